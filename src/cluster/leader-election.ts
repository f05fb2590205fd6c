/**
 * Leader election through a `coordination.k8s.io/v1` Lease, with client-go's semantics and defaults
 * (`tools/leaderelection` with a LeaseLock), so that of the controller's replicas only one writes reports.
 *
 * Why client-go's algorithm rather than something simpler: it is the one operators know (kubectl shows
 * the holder), and it tolerates clock skew between replicas. Expiry of another holder's lease is measured
 * from when *this* process saw the record last change, on its own monotonic clock, never from the
 * remote `renewTime`. Writes are PUTs carrying the resourceVersion last read, so of two replicas that
 * race for an expired lease the API server lets exactly one win (409 for the other).
 *
 * Like client-go it does not fence: a leader that stalls longer than the lease can overlap with the
 * next one. `renewDeadline < leaseDuration` keeps that from happening while clocks run at similar rates.
 */
import { ApiError, type ApiClient } from './api.js';
import { errorMessage } from '../core/errors.js';

type LogFn = (obj: Record<string, unknown>, msg: string) => void;
/** Pino-like: a pino Logger fits. */
export interface ElectionLog {
  warn?: LogFn;
  info?: LogFn;
  debug?: LogFn;
}

/** Time and timers, injectable for tests. */
export interface ElectionClock {
  /** Milliseconds on a monotonic clock: observed times and deadlines are measured on it. */
  now(): number;
  /** Wall-clock time, only for the `renewTime`/`acquireTime` stamps people and tools read. */
  wall(): Date;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LeaderElectorOptions {
  namespace: string;
  name: string;
  /** Unique per process (client-go uses hostname + a UUID): a process that finds its own identity in the lease renews it. */
  identity: string;
  /** How long others wait, from when they saw the lease last change, before taking it. Default 15000. */
  leaseDurationMs?: number;
  /** A leader that has not renewed within this long stops leading. Default 10000. */
  renewDeadlineMs?: number;
  /** Between attempts (acquiring: jittered up to 2.2×). Default 2000. */
  retryPeriodMs?: number;
  /** Called when this process becomes leader; `signal` aborts when it stops leading. Not awaited. */
  onStartedLeading?: (signal: AbortSignal) => void | Promise<void>;
  /** Called once leadership is lost or given up; isLeader() is already false. */
  onStoppedLeading?: () => void | Promise<void>;
  /** Called when the lease is seen with a new holder (this process included; a released, holderless lease is not reported). */
  onNewLeader?: (identity: string) => void | Promise<void>;
  log?: ElectionLog;
  clock?: ElectionClock;
  /** In [0, 1), for the jitter; injectable for tests. */
  random?: () => number;
}

/** client-go's wait.JitterUntil factor for acquiring: waits are retryPeriod × (1 + [0, 1.2)). */
export const JITTER_FACTOR = 1.2;

const systemClock: ElectionClock = {
  now: () => performance.now(),
  wall: () => new Date(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A Kubernetes MicroTime: RFC 3339 in UTC with six fractional digits (`2026-12-04T20:00:00.000000Z`). */
export function microTime(date: Date): string {
  // JavaScript dates hold milliseconds; the three further digits are zeros.
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  [field: string]: unknown;
}
interface Lease {
  metadata: { resourceVersion?: string; [field: string]: unknown };
  spec?: LeaseSpec;
  [field: string]: unknown;
}

/** The lease as last seen, and when (monotonic) this process saw it change. */
interface Observed {
  key: string;
  holder: string;
  durationMs: number;
  acquireTime: string | undefined;
  transitions: number;
  at: number;
}

export class LeaderElector {
  readonly identity: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: ElectionClock;
  private readonly log: ElectionLog;
  private readonly collection: string;
  private readonly path: string;

  private running = false;
  /** Bumped by start() and stop(): the answer to an attempt of an earlier run schedules nothing. */
  private generation = 0;
  /** Bumped whenever leading starts or ends: a renewal sent in an earlier term does not count. */
  private term = 0;
  private leading = false;
  /** When (monotonic) the last successful acquire or renew was sent; the renew deadline runs from it. */
  private renewedAt = 0;
  /** At most one attempt is scheduled and one in flight: a timer chain, never an interval. */
  private timer: unknown;
  private deadlineTimer: unknown;
  private attempt: Promise<void> = Promise.resolve();
  /** The Lease as last read or written: its resourceVersion guards the next PUT. */
  private lease: Lease | undefined;
  private observed: Observed | undefined;
  private reported = '';
  private leadership: AbortController | undefined;
  private stoppedLeading: Promise<void> = Promise.resolve();

  constructor(private readonly api: ApiClient, private readonly options: LeaderElectorOptions) {
    this.identity = options.identity;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    // client-go's validation: a leader must give up before others may take over, and retry within its deadline.
    if (!options.identity) throw new Error('leader election: identity is empty');
    if (!(this.retryPeriodMs > 0)) throw new Error('leader election: retryPeriodMs must be greater than zero');
    if (!(this.renewDeadlineMs > JITTER_FACTOR * this.retryPeriodMs)) throw new Error(`leader election: renewDeadlineMs must be greater than ${JITTER_FACTOR} × retryPeriodMs`);
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new Error('leader election: leaseDurationMs must be greater than renewDeadlineMs');
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? {};
    this.collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(options.namespace)}/leases`;
    this.path = `${this.collection}/${encodeURIComponent(options.name)}`;
  }

  /** True only while leading and the last successful renewal is within renewDeadline: false the moment that is in doubt. */
  isLeader(): boolean {
    return this.leading && this.clock.now() - this.renewedAt < this.renewDeadlineMs;
  }

  /** The holder of the lease as last seen ('' when none or not yet read). */
  leader(): string {
    return this.observed?.holder ?? '';
  }

  /** Starts trying to acquire at once, then every retryPeriod (jittered). Never throws later: failures are logged and retried. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    this.schedule(0);
  }

  /**
   * Stops the loop and leading (isLeader() false at once, onStoppedLeading awaited). With `release`, as
   * client-go's ReleaseOnCancel, a lease this process holds is given up (no holder, 1-second duration)
   * so another replica takes over at its next attempt instead of after leaseDuration.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.stopLeading('stopping');
    // The attempt in flight (at most one) settles first, so the release carries the newest resourceVersion.
    await this.attempt;
    await this.stoppedLeading;
    if (options.release) await this.release();
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.attempt = this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    const generation = this.generation;
    const term = this.term;
    const sentAt = this.clock.now();
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      this.log.warn?.({ lease: this.describe(), err: errorMessage(err) }, this.leading ? 'could not renew the lease' : 'could not acquire the lease');
    }
    if (generation !== this.generation) return;
    // A success that took longer than the renew deadline would start a term already in doubt.
    if (ok && term === this.term && this.clock.now() - sentAt < this.renewDeadlineMs) {
      this.renewedAt = sentAt;
      if (this.leading) this.armDeadline();
      else this.startLeading();
    }
    // client-go: a leader renews every retryPeriod; a candidate retries with jitter so replicas spread out.
    this.schedule(this.leading ? this.retryPeriodMs : this.retryPeriodMs * (1 + (this.options.random ?? Math.random)() * JITTER_FACTOR));
  }

  /** client-go's tryAcquireOrRenew: true when this process holds the lease with a fresh renewTime. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = microTime(this.clock.wall());
    const mine = { holderIdentity: this.identity, leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000), acquireTime: now, renewTime: now };
    const seen = this.observed;
    // Fast path: a leader renews the object it last wrote, without reading it first.
    if (this.leading && this.lease && seen?.holder === this.identity) {
      try {
        this.observe(await this.put({ ...mine, acquireTime: seen.acquireTime ?? now, leaseTransitions: seen.transitions }));
        return true;
      } catch (err) {
        this.log.debug?.({ lease: this.describe(), err: errorMessage(err) }, 'optimistic renewal failed; reading the lease');
      }
    }
    let current: Lease;
    try {
      current = asLease(await this.api.getJson(this.path));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.options.name, namespace: this.options.namespace }, spec: { ...mine, leaseTransitions: 0 } };
      return this.written(() => this.api.request('POST', this.collection, lease));
    }
    this.observe(current);
    const o = this.observed!;
    if (o.holder !== '' && o.holder !== this.identity && this.clock.now() < o.at + o.durationMs) {
      this.log.debug?.({ lease: this.describe(), holder: o.holder }, 'lease held by another and not expired');
      return false;
    }
    // Same holder: a renewal keeps acquireTime and the count; a new holder is a transition.
    const spec = o.holder === this.identity ? { ...mine, acquireTime: o.acquireTime ?? now, leaseTransitions: o.transitions } : { ...mine, leaseTransitions: o.transitions + 1 };
    return this.written(() => this.put(spec));
  }

  /** Runs a write; a 409 (someone else wrote or created the lease first) is a lost race, not an error. */
  private async written(write: () => Promise<unknown>): Promise<boolean> {
    try {
      this.observe(asLease(await write()));
      return true;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
      this.log.debug?.({ lease: this.describe() }, 'another replica wrote the lease first');
      return false;
    }
  }

  private async put(spec: LeaseSpec): Promise<Lease> {
    const lease = this.lease!;
    return asLease(await this.api.request('PUT', this.path, { ...lease, spec: { ...lease.spec, ...spec } }));
  }

  /** Records the lease; the observed time moves only when its election record changed (client-go compares the raw record). */
  private observe(lease: Lease): void {
    this.lease = lease;
    const s = lease.spec ?? {};
    const key = JSON.stringify([s.holderIdentity ?? '', s.leaseDurationSeconds, s.acquireTime, s.renewTime, s.leaseTransitions]);
    if (this.observed?.key === key) return;
    const holder = typeof s.holderIdentity === 'string' ? s.holderIdentity : '';
    this.observed = {
      key,
      holder,
      // A lease without a duration is given ours, rather than none (which would let anyone take it at once).
      durationMs: typeof s.leaseDurationSeconds === 'number' && s.leaseDurationSeconds > 0 ? s.leaseDurationSeconds * 1000 : this.leaseDurationMs,
      acquireTime: typeof s.acquireTime === 'string' ? s.acquireTime : undefined,
      transitions: typeof s.leaseTransitions === 'number' ? s.leaseTransitions : 0,
      at: this.clock.now(),
    };
    if (holder !== this.reported) {
      this.reported = holder;
      if (holder !== '') void this.call('onNewLeader', () => this.options.onNewLeader?.(holder));
    }
  }

  private startLeading(): void {
    this.leading = true;
    this.term++;
    this.leadership = new AbortController();
    this.armDeadline();
    this.log.info?.({ lease: this.describe(), identity: this.identity }, 'became leader');
    const signal = this.leadership.signal;
    void this.call('onStartedLeading', () => this.options.onStartedLeading?.(signal));
  }

  /** Leading ends synchronously (isLeader() false, signal aborted) before any callback runs. */
  private stopLeading(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.term++;
    this.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.leadership?.abort(new Error(`leadership lost: ${reason}`));
    this.leadership = undefined;
    this.log.info?.({ lease: this.describe(), identity: this.identity, reason }, 'stopped leading');
    this.stoppedLeading = this.call('onStoppedLeading', () => this.options.onStoppedLeading?.());
  }

  /** A timer, independent of the request in flight (which may hang), ends leading at the renew deadline. */
  private armDeadline(): void {
    this.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = this.clock.setTimeout(() => {
      this.deadlineTimer = undefined;
      if (!this.leading) return;
      if (this.isLeader()) this.armDeadline(); // a timer that fired a little early
      else this.stopLeading(`no successful renewal within ${this.renewDeadlineMs} ms`);
    }, Math.max(0, this.renewedAt + this.renewDeadlineMs - this.clock.now()));
  }

  /** client-go's release: only a lease this process holds, only if unchanged since (the resourceVersion says). */
  private async release(): Promise<void> {
    if (!this.lease || this.observed?.holder !== this.identity) return;
    const now = microTime(this.clock.wall());
    try {
      this.observe(await this.put({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: this.observed.transitions }));
      this.log.info?.({ lease: this.describe() }, 'released the lease');
    } catch (err) {
      this.log.warn?.({ lease: this.describe(), err: errorMessage(err) }, 'could not release the lease; it expires after its duration');
    }
  }

  /** A callback's throw or rejection is logged, never propagated into the loop. */
  private call(name: string, fn: () => unknown): Promise<void> {
    const failed = (err: unknown): void => this.log.warn?.({ lease: this.describe(), callback: name, err: errorMessage(err) }, 'leader election callback failed');
    try {
      return Promise.resolve(fn()).then(() => undefined, failed);
    } catch (err) {
      failed(err);
      return Promise.resolve();
    }
  }

  private describe(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }
}

function asLease(value: unknown): Lease {
  const v = value as Lease | null;
  if (v === null || typeof v !== 'object' || v.metadata === null || typeof v.metadata !== 'object') throw new ApiError(0, 'BadBody', 'the answer is not a Lease');
  return v;
}
