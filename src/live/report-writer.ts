/**
 * Writes each reported object's OpenReports `Report`/`ClusterReport` (or wgpolicy `PolicyReport`), and
 * deletes reports that no longer have a reason to exist (resource gone, policy removed, findings fixed).
 *
 * Bounds, because a writer that follows the cluster can flood etcd:
 * - a report is written only when its content changed: its digest (timestamps left out) is kept per
 *   uid and stored in an annotation, so a restarted leader compares without rewriting everything;
 * - writes go through a token bucket (`writesPerSecond`, burst of one second's worth);
 * - at most `maxReports` report objects exist; past it new reports are dropped (a metric and one log
 *   line when the limit is reached) and written once deletions make room;
 * - each object stays under the converter's byte bound (results beyond it are counted, not listed).
 *
 * Only the leader writes: `isLeader()` is asked right before every request, so a replica that lost its
 * lease stops at the next write. A new leader first lists the reports that exist, then reconciles.
 * Writes are server-side apply (one request, no read-modify-write race with a previous leader).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError, type ApiClient } from '../cluster/api.js';
import { errorMessage } from '../core/errors.js';
import type { ObjectResult } from '../results/model.js';
import { LABEL_MANAGED_BY, LABEL_RESOURCE_UID, notRepresentable, toReportObject, type ReportFlavour, type ReportObject, type ReportOptions } from '../reporters/openreports.js';
import { SOURCE } from '../reporters/openreports-results.js';

/** The digest of a report's content, for comparing what is written with what would be. */
export const ANNOTATION_CONTENT_HASH = 'kube-posture.io/content-hash';
const FIELD_MANAGER = 'kube-posture';

export interface ReportWriterMetrics {
  write(operation: 'apply' | 'delete', outcome: 'ok' | 'error'): void;
  drop(reason: 'limit' | 'unrepresentable'): void;
  reports(count: number): void;
}

export interface ReportWriterOptions {
  api: ApiClient;
  flavour: ReportFlavour;
  report: Omit<ReportOptions, 'flavour' | 'now'>;
  maxReports: number;
  writesPerSecond: number;
  /** What is reported for a uid now (undefined: nothing, any report is deleted). */
  resultOf(uid: string): ObjectResult | undefined;
  isLeader(): boolean;
  logger: Logger;
  metrics?: ReportWriterMetrics;
  now?: () => Date;
  /** Delay before a failed write is tried again. Default 10 s. */
  retryDelayMs?: number;
}

interface Written {
  path: string;
  hash: string;
}

const PATHS: Record<ReportFlavour, { prefix: string; namespaced: string; cluster: string }> = {
  openreports: { prefix: '/apis/openreports.io/v1alpha1', namespaced: 'reports', cluster: 'clusterreports' },
  wgpolicy: { prefix: '/apis/wgpolicyk8s.io/v1alpha2', namespaced: 'policyreports', cluster: 'clusterpolicyreports' },
};

export function reportPath(flavour: ReportFlavour, name: string, namespace: string | undefined): string {
  const p = PATHS[flavour];
  return namespace !== undefined ? `${p.prefix}/namespaces/${encodeURIComponent(namespace)}/${p.namespaced}/${encodeURIComponent(name)}` : `${p.prefix}/${p.cluster}/${encodeURIComponent(name)}`;
}

/** The digest of a report object without its timestamps (they change at every evaluation). */
export function reportHash(object: ReportObject): string {
  return createHash('sha1').update(JSON.stringify(object, (k, v: unknown) => (k === 'timestamp' ? undefined : v))).digest('base64url');
}

export class ReportWriter {
  private readonly dirty = new Set<string>();
  /** Dropped at the limit: written again when room is made. */
  private readonly waiting = new Set<string>();
  private readonly written = new Map<string, Written>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private tokens: number;
  private lastRefill = Date.now();
  private active = false;
  private stopped = false;
  private full = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Writes done and skipped (content unchanged), since start. */
  readonly counts = { applied: 0, deleted: 0, unchanged: 0, dropped: 0, errors: 0 };

  constructor(private readonly options: ReportWriterOptions) {
    this.tokens = options.writesPerSecond;
  }

  /** Something reported for this uid may have changed. */
  markDirty(uid: string): void {
    this.dirty.add(uid);
    this.wake?.();
  }

  /** Report objects that exist, as far as this writer knows. */
  get reportCount(): number {
    return this.written.size;
  }

  get pending(): number {
    return this.dirty.size;
  }

  /**
   * Starts writing as the leader: reads which reports exist, then reconciles every uid it is given
   * (the reported ones) and every report found. Throws when the reports cannot be listed.
   */
  async startWriting(reported: Iterable<string>): Promise<void> {
    this.written.clear();
    await this.readExisting();
    for (const uid of this.written.keys()) this.dirty.add(uid);
    for (const uid of reported) this.dirty.add(uid);
    this.active = true;
    this.options.metrics?.reports(this.written.size);
    this.loop ??= this.run();
    this.wake?.();
  }

  /** Stops writing (leadership lost): what is pending stays pending for the next start. */
  pause(): void {
    this.active = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.active = false;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.wake?.();
    await this.loop;
  }

  /** Resolves when nothing is pending (tests, benchmarks). */
  async drained(): Promise<void> {
    while (this.dirty.size > 0 || this.busy) await new Promise((r) => setTimeout(r, 20));
  }

  private busy = false;

  private async readExisting(): Promise<void> {
    const p = PATHS[this.options.flavour];
    for (const resource of [p.namespaced, p.cluster]) {
      let token: string | undefined;
      do {
        const q = new URLSearchParams({ limit: '500', labelSelector: `${LABEL_MANAGED_BY}=${SOURCE}` });
        if (token) q.set('continue', token);
        const page = (await this.options.api.getJson(`${p.prefix}/${resource}?${q.toString()}`)) as { items?: ReportObject[]; metadata?: { continue?: string } };
        for (const item of page.items ?? []) {
          const uid = item.metadata?.labels?.[LABEL_RESOURCE_UID];
          if (typeof uid !== 'string' || typeof item.metadata.name !== 'string') continue;
          this.written.set(uid, { path: reportPath(this.options.flavour, item.metadata.name, item.metadata.namespace), hash: item.metadata.annotations?.[ANNOTATION_CONTENT_HASH] ?? '' });
        }
        token = page.metadata?.continue || undefined;
      } while (token !== undefined);
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.active || this.dirty.size === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const uid = this.dirty.values().next().value as string;
      this.dirty.delete(uid);
      this.busy = true;
      try {
        await this.reconcile(uid);
      } finally {
        this.busy = false;
      }
    }
  }

  private async reconcile(uid: string): Promise<void> {
    const desired = this.desired(uid);
    const have = this.written.get(uid);
    if (desired === undefined) {
      if (have === undefined) return;
      await this.spend();
      if (!this.mayWrite(uid)) return;
      try {
        await this.options.api.request('DELETE', have.path);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) return this.failed(uid, 'delete', err);
      }
      this.written.delete(uid);
      this.counts.deleted++;
      this.options.metrics?.write('delete', 'ok');
      this.options.metrics?.reports(this.written.size);
      this.makeRoom();
      return;
    }
    const hash = reportHash(desired);
    if (have !== undefined && have.hash === hash) {
      this.counts.unchanged++;
      return;
    }
    if (have === undefined && this.written.size >= this.options.maxReports) {
      this.waiting.add(uid);
      this.counts.dropped++;
      this.options.metrics?.drop('limit');
      if (!this.full) {
        this.full = true;
        this.options.logger.warn({ maxReports: this.options.maxReports }, 'report limit reached: new reports are not written until others are deleted (raise --max-reports, or narrow the policies)');
      }
      return;
    }
    desired.metadata.annotations = { ...(desired.metadata.annotations ?? {}), [ANNOTATION_CONTENT_HASH]: hash };
    const path = reportPath(this.options.flavour, desired.metadata.name, desired.metadata.namespace);
    await this.spend();
    if (!this.mayWrite(uid)) return;
    try {
      await this.options.api.request('PATCH', `${path}?fieldManager=${FIELD_MANAGER}&force=true`, desired, 'application/apply-patch+yaml');
    } catch (err) {
      return this.failed(uid, 'apply', err);
    }
    this.written.set(uid, { path, hash });
    this.counts.applied++;
    this.options.metrics?.write('apply', 'ok');
    this.options.metrics?.reports(this.written.size);
  }

  /** The report that should exist for the uid, or undefined when none should. */
  private desired(uid: string): ReportObject | undefined {
    const result = this.options.resultOf(uid);
    if (result === undefined) return undefined;
    if (notRepresentable(result.ref) !== undefined) return undefined;
    const object = toReportObject(result, { ...this.options.report, flavour: this.options.flavour, now: (this.options.now ?? (() => new Date()))() });
    // A clean resource has no report (unless passes are reported), as Kyverno keeps none for it.
    if (object.results.length === 0 && object.metadata.annotations === undefined) return undefined;
    return object;
  }

  /** Leadership is checked after waiting for a token and right before the request. */
  private mayWrite(uid: string): boolean {
    if (this.active && this.options.isLeader()) return true;
    this.dirty.add(uid);
    return false;
  }

  private makeRoom(): void {
    if (this.written.size >= this.options.maxReports) return;
    if (this.full) {
      this.full = false;
      this.options.logger.info({ maxReports: this.options.maxReports, waiting: this.waiting.size }, 'below the report limit again: writing the reports that waited');
    }
    for (const uid of this.waiting) this.dirty.add(uid);
    this.waiting.clear();
  }

  private failed(uid: string, operation: 'apply' | 'delete', err: unknown): void {
    this.counts.errors++;
    this.options.metrics?.write(operation, 'error');
    // Forbidden or invalid will not heal by retrying now; the next change or rescan tries again.
    const status = err instanceof ApiError ? err.status : 0;
    this.options.logger.warn({ uid, operation, status, err: errorMessage(err) }, 'report write failed');
    if (status === 0 || status === 409 || status === 429 || status >= 500) {
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.markDirty(uid);
      }, this.options.retryDelayMs ?? 10_000);
      timer.unref();
      this.retryTimers.add(timer);
    }
  }

  private async spend(): Promise<void> {
    const rate = this.options.writesPerSecond;
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(rate, this.tokens + ((now - this.lastRefill) / 1000) * rate);
      this.lastRefill = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / rate) * 1000)));
    }
  }
}
