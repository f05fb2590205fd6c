/**
 * The observer that turns results into alerts and hands them to the sinks. Admission results go
 * through the collapse window; scan results through the tracker (new and resolved, baseline not
 * announced), with active findings re-sent to Alertmanager while they last. Nothing here waits on a
 * sink: each sink's worker has its own bounded queue.
 */
import type { Logger } from 'pino';
import type { Action } from '../core/types.js';
import type { ObjectResult } from '../results/model.js';
import { alertOfFinding, alertsOf, resourceOf } from './build.js';
import { resourceKey } from './fingerprint.js';
import { CollapseWindow } from './collapse.js';
import type { SinkWorker } from './dispatcher.js';
import type { Alert } from './model.js';
import { ScanTracker } from './scan-tracker.js';

export interface AlerterOptions {
  cluster: string;
  reportUrlTemplate?: string;
  admissionWindowMs: number;
  resendIntervalMs: number;
  workers: SinkWorker[];
  logger: Logger;
  now?: () => number;
  /**
   * Whether this replica sends scan alerts (the controller's leader). Every replica keeps track of
   * findings, so a new leader neither re-announces what the old one did nor misses what changes next.
   * Absent: always. Admission alerts are sent by every webhook replica regardless.
   */
  isLeader?: () => boolean;
}

/** What the webhook knows about a review besides its result. */
export interface ReviewContext {
  dryRun: boolean;
  operation: string;
}

/** What a configuration reload may change in a running Alerter (its tracker and open windows stay). */
export type AlerterSettings = Pick<AlerterOptions, 'cluster' | 'reportUrlTemplate' | 'admissionWindowMs' | 'resendIntervalMs' | 'workers'>;

export class Alerter {
  private collapse: CollapseWindow;
  private started = false;
  private readonly tracker = new ScanTracker();
  private readonly now: () => number;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private o: AlerterOptions) {
    this.now = o.now ?? Date.now;
    this.collapse = new CollapseWindow(o.admissionWindowMs);
    this.admissionActions = admissionActionsOf(o.workers);
  }

  /** The finding actions some sink takes admission alerts for (worked out per configuration). */
  private admissionActions: ReadonlySet<Action>;

  /** Whether the controller's first complete picture is in (findings after it are announced). */
  get baselineTaken(): boolean {
    return this.tracker.baselineDone;
  }

  /** Scan findings active now (tracked by every replica). */
  get activeScanFindings(): number {
    return this.tracker.activeCount;
  }

  get sinks(): readonly SinkWorker[] {
    return this.o.workers;
  }

  /** The webhook's `onResult`. `dryRun` reviews and deletions never alert. */
  admission(result: ObjectResult, review: ReviewContext): void {
    if (review.dryRun || review.operation === 'DELETE' || result.findings.length === 0) return;
    // Most admitted reviews carry only warnings, which no sink wants by default: nothing is built for them.
    const wanted = this.admissionActions;
    if (!result.findings.some((f) => wanted.has(f.action))) return;
    const resource = resourceOf(result);
    if (resource === undefined) return;
    const now = this.now();
    const rk = resourceKey(resource);
    let seen: Set<string> | undefined;
    for (const f of result.findings) {
      if (!wanted.has(f.action)) continue;
      // A repeat within the window is only counted: no alert (and no hash) is built for it.
      const key = `${rk}\0${f.policyId}\0${f.path}`;
      if (seen?.has(key) === true) continue;
      (seen ??= new Set()).add(key);
      if (this.collapse.repeat(key, now)) continue;
      // Not built when no sink wants it, or when every sink that does is saturated with alerts at
      // least as severe (it would be dropped on arrival everywhere: counted, and a flood costs no hashing).
      const probe = { severity: f.severity, source: 'admission' as const, action: f.action, resource, policyId: f.policyId, isNew: true };
      const wanting = this.o.workers.filter((w) => w.wants(probe));
      if (wanting.every((w) => w.wouldRefuse(probe))) {
        for (const w of wanting) w.refused();
        continue;
      }
      const alert = alertOfFinding(result, resource, f, { source: 'admission', cluster: this.o.cluster, now, ...this.template() });
      for (const out of this.collapse.offer(alert, now, key)) this.fanOut(out);
    }
  }

  /**
   * The controller's current result for an object (`undefined` once it is deleted or no longer
   * reported). Called by the leader only; before `endBaseline` nothing is announced.
   */
  scan(uid: string, result: ObjectResult | undefined): void {
    const now = this.now();
    const alerts = result !== undefined ? alertsOf(result, { source: 'scan', cluster: this.o.cluster, now, ...this.template() }) : [];
    const change = this.tracker.update(uid, alerts, now);
    if (!this.leading()) return;
    for (const a of change.fired) this.fanOut(a);
    for (const a of change.resolved) this.fanOut(a);
  }

  /** The controller's observer (src/live/controller.ts `ResultObserver`). */
  changed(uid: string, result: ObjectResult | undefined): void {
    this.scan(uid, result);
  }

  baselineDone(): void {
    this.endBaseline();
    this.o.logger.info({ activeFindings: this.tracker.activeCount }, 'alerts: baseline taken; findings present now are not announced, new ones are');
  }

  /** The controller has seen the whole cluster once: from now on findings that appear are announced. */
  endBaseline(): void {
    this.tracker.endBaseline();
  }

  /** Starts the timers: closing collapse windows, re-sending active scan findings to Alertmanager. */
  start(): void {
    this.started = true;
    const tick = Math.max(100, Math.min(1000, Math.floor(this.o.admissionWindowMs / 4)));
    this.timers.push(setInterval(() => this.tick(), tick).unref());
    this.timers.push(setInterval(() => this.resend(), this.o.resendIntervalMs).unref());
  }

  /**
   * A reloaded configuration: new sinks, filters, window or cluster name. What the tracker knows
   * (the baseline, active scan findings) is kept, so a reload neither re-announces nor forgets.
   * Open collapse windows close now, to the sinks they opened under. Returns the previous workers
   * for the caller to close (they deliver what they hold within their grace).
   */
  reconfigure(next: AlerterSettings): SinkWorker[] {
    for (const a of this.collapse.flushAll()) this.fanOut(a);
    const previous = this.o.workers;
    const { reportUrlTemplate: _old, ...kept } = this.o;
    this.o = { ...kept, ...next };
    this.admissionActions = admissionActionsOf(next.workers);
    this.collapse = new CollapseWindow(next.admissionWindowMs);
    if (this.started) {
      for (const t of this.timers.splice(0)) clearInterval(t);
      this.start();
    }
    return previous;
  }

  /** Closes the collapse windows (their counts are sent) and each sink after `graceMs`. */
  async close(graceMs: number): Promise<void> {
    this.started = false;
    for (const t of this.timers.splice(0)) clearInterval(t);
    for (const a of this.collapse.flushAll()) this.fanOut(a);
    await Promise.all(this.o.workers.map((w) => w.close(graceMs)));
  }

  /** Closes the collapse windows that have ended. */
  tick(): void {
    for (const a of this.collapse.flush(this.now())) this.fanOut(a);
  }

  /** Alertmanager forgets a firing alert when its lease (endsAt) passes: active ones are sent again. */
  resend(): void {
    const am = this.o.workers.filter((w) => w.type === 'alertmanager');
    if (am.length === 0 || !this.leading()) return;
    const now = this.now();
    for (const a of this.tracker.active()) {
      const again: Alert = { ...a, lastSeen: now, isNew: false };
      for (const w of am) w.offer(again);
    }
  }

  private leading(): boolean {
    return this.o.isLeader?.() ?? true;
  }

  private fanOut(alert: Alert): void {
    for (const w of this.o.workers) w.offer(alert);
  }

  private template(): { reportUrlTemplate?: string } {
    return this.o.reportUrlTemplate !== undefined ? { reportUrlTemplate: this.o.reportUrlTemplate } : {};
  }
}

const ACTIONS: readonly Action[] = ['deny', 'warn', 'audit'];

function admissionActionsOf(workers: readonly SinkWorker[]): ReadonlySet<Action> {
  return new Set(ACTIONS.filter((a) => workers.some((w) => w.wantsAdmission(a))));
}
