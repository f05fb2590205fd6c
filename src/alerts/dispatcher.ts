/**
 * Delivery for one sink: a bounded severity queue, a rate limit, retries with exponential backoff
 * and jitter (or the receiver's Retry-After), a timeout per attempt. `offer` is synchronous and
 * O(1)-ish: whatever the receiver does (down, slow, hanging), the caller (an admission review) never
 * waits; a sink that cannot keep up loses its oldest, least severe alerts, counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AlertMetrics } from './alert-metrics.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { Action } from '../core/types.js';
import { actionsFor, matchesFilter, type FilterSubject, type SinkFilter } from './filter.js';
import type { Alert } from './model.js';
import { AlertQueue } from './queue.js';
import { TokenBucket } from './rate-limit.js';
import type { SinkTransport } from './sink.js';

export interface DeliveryOptions {
  queueSize: number;
  /** Deliveries (requests) a second, and the burst allowed. */
  ratePerSecond: number;
  burst: number;
  timeoutMs: number;
  /** Attempts per batch, the first included. */
  maxAttempts: number;
  backoff: BackoffOptions;
}

export interface SinkWorkerOptions {
  name: string;
  transport: SinkTransport;
  filter: SinkFilter;
  delivery: DeliveryOptions;
  metrics: AlertMetrics;
  logger: Logger;
  now?: () => number;
  random?: () => number;
}

export class SinkWorker {
  readonly name: string;
  private readonly queue: AlertQueue<Alert>;
  private readonly bucket: TokenBucket;
  private readonly now: () => number;
  private readonly stop = new AbortController();
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly o: SinkWorkerOptions) {
    this.name = o.name;
    this.now = o.now ?? Date.now;
    this.queue = new AlertQueue<Alert>(o.delivery.queueSize);
    this.bucket = new TokenBucket(o.delivery.ratePerSecond, o.delivery.burst, this.now());
    o.metrics.queueDepth(o.name, 0);
  }

  get type(): SinkTransport['type'] {
    return this.o.transport.type;
  }

  get depth(): number {
    return this.queue.size;
  }

  /** Whether this sink wants the alert (its filters). */
  wants(alert: FilterSubject): boolean {
    return matchesFilter(alert, this.o.filter);
  }

  /**
   * Whether this sink can want any admission alert of this action (its sources and actions only):
   * lets the alerter pass over findings before building anything for them.
   */
  wantsAdmission(action: Action): boolean {
    const f = this.o.filter;
    if (f.sources !== undefined && !f.sources.includes('admission')) return false;
    return actionsFor(f, 'admission')?.includes(action) ?? true;
  }

  /** Whether an alert like this one would be dropped on arrival: the queue is full of alerts at least as severe. */
  wouldRefuse(alert: FilterSubject): boolean {
    return !this.closed && this.queue.wouldDrop(alert.severity);
  }

  /** Counts an alert that was refused without being built (see `wouldRefuse`). */
  refused(): void {
    this.o.metrics.dropped(this.name, 'queue_full', 1);
  }

  /** Queues an alert the sink wants; never waits. */
  offer(alert: Alert): void {
    if (this.closed || !this.wants(alert)) return;
    const dropped = this.queue.push(alert);
    if (dropped !== undefined) this.o.metrics.dropped(this.name, 'queue_full', 1);
    this.o.metrics.queueDepth(this.name, this.queue.size);
    this.startLoop();
  }

  /** Resolves when the queue is empty and nothing is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /**
   * Stops: alerts already queued get up to `graceMs` to go out, then whatever is left (in flight
   * or queued) is dropped and counted.
   */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    if (this.running !== undefined) {
      const timer = sleep(graceMs, undefined, { ref: false }).then(() => 'timeout' as const);
      const done = await Promise.race([this.idle().then(() => 'done' as const), timer]);
      if (done === 'timeout') this.stop.abort();
      await this.idle();
    }
    const left = this.queue.drain().length;
    if (left > 0) this.o.metrics.dropped(this.name, 'shutdown', left);
    this.o.metrics.queueDepth(this.name, 0);
  }

  private startLoop(): void {
    if (this.running !== undefined) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      // An alert offered while the loop was finishing starts it again.
      if (this.queue.size > 0 && !this.closed) this.startLoop();
    });
  }

  private async run(): Promise<void> {
    // Let the caller (an admission review) finish its turn before any work is done here.
    await Promise.resolve();
    while (!this.stop.signal.aborted) {
      const batch: Alert[] = [];
      while (batch.length < this.o.transport.maxBatch) {
        const next = this.queue.take();
        if (next === undefined) break;
        batch.push(next);
      }
      this.o.metrics.queueDepth(this.name, this.queue.size);
      if (batch.length === 0) return;
      await this.deliver(batch);
    }
  }

  private async deliver(batch: Alert[]): Promise<void> {
    const { delivery, metrics, logger } = this.o;
    const n = batch.length;
    for (let attempt = 0; ; attempt++) {
      for (let wait = this.bucket.take(this.now()); wait > 0; wait = this.bucket.take(this.now())) {
        if (!(await this.pause(wait))) return this.give(n, 'shutdown');
      }
      const signal = AbortSignal.any([AbortSignal.timeout(delivery.timeoutMs), this.stop.signal]);
      const outcome = await this.o.transport.send(batch, signal);
      if (outcome.ok) {
        metrics.sent(this.name, n);
        return;
      }
      metrics.failed(this.name, outcome.reason, n);
      if (this.stop.signal.aborted) return this.give(n, 'shutdown');
      const log = { sink: this.name, type: this.type, reason: outcome.reason, ...(outcome.status !== undefined ? { status: outcome.status } : {}), alerts: n, attempt: attempt + 1 };
      if (!outcome.retryable) {
        logger.warn(log, 'alert sink refused the alerts; not retried');
        return this.give(n, 'rejected');
      }
      if (attempt + 1 >= delivery.maxAttempts) {
        logger.warn(log, 'alert delivery failed; attempts exhausted');
        return this.give(n, 'retries_exhausted');
      }
      let delay = backoffDelay(attempt, delivery.backoff, this.o.random);
      if (outcome.retryAfterMs !== undefined) {
        // The receiver named its time: wait that long, and hold every later delivery back too.
        delay = outcome.retryAfterMs;
        this.bucket.pauseUntil(this.now(), this.now() + delay);
      }
      logger.debug({ ...log, retryInMs: delay }, 'alert delivery failed; retrying');
      metrics.retried(this.name, n);
      if (!(await this.pause(delay))) return this.give(n, 'shutdown');
    }
  }

  private give(n: number, reason: 'shutdown' | 'rejected' | 'retries_exhausted'): void {
    this.o.metrics.dropped(this.name, reason, n);
  }

  /** Waits; false when shutdown cut the wait short. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.stop.signal });
      return true;
    } catch {
      return false;
    }
  }
}
