/**
 * The posture controller: the live scan kept current. One reflector (list, then watch) per kind the
 * enabled policies judge or the cluster policies read; each event goes to the posture state (judged
 * again only when its evaluation key changed) and to the cluster view; the cluster policies run over
 * the view a few seconds after it last changed; the report writer follows the state.
 *
 * What makes every object be judged again: a new policy set or configuration (every reflector
 * relists), a namespace's labels changing (the namespaced judged kinds relist; only that namespace's
 * objects have a new key), and the periodic rescan (everything relists; unchanged keys cost a hash).
 *
 * One forbidden kind, one failing list or one odd object never stops the rest: a reflector retries
 * with backoff, a metric counts it and readiness reports which kinds are not listed yet.
 */
import type { Logger } from 'pino';
import { ApiError, type ApiClient } from '../cluster/api.js';
import { Reflector, type ReflectorHandlers } from '../cluster/reflector.js';
import { scoreCompliance, type ComplianceSummary } from '../compliance/score.js';
import { evaluateContext, viewKinds } from '../core/context.js';
import { errorMessage } from '../core/errors.js';
import { kindKey, lookupKind, type KnownKind } from '../core/kinds.js';
import { ClusterViewBuilder } from '../core/view/builder.js';
import { objectIdOf, objectKey } from '../core/view/ids.js';
import type { ObjectId } from '../core/view/types.js';
import { inspectedKinds } from '../core/webhook-rules.js';
import type { PolicySetHolder } from '../policy-set/policy-holder.js';
import type { ObjectResult } from '../results/model.js';
import { registryPolicyInfo, type ReportFlavour } from '../reporters/openreports.js';
import { listingOrder } from './audit.js';
import { clusterRefOf } from './judge.js';
import { createPostureMetrics, type PostureMetrics } from './posture-metrics.js';
import { PostureState } from './posture-state.js';
import { ReportWriter } from './report-writer.js';
import { ReportCache } from './report-cache.js';
import { vulnerabilityListNote } from './audit.js';
import { VulnerabilityStore } from './vulnerability-store.js';
import { VULNERABILITY_REPORT_KIND } from '../vulnerabilities/vulnerability-report.js';
import { policiesLackingData } from '../core/engine.js';
import type { EngineConfig } from '../core/engine-config.js';
import type { VulnerabilityLookup } from '../core/vulnerabilities.js';
import { buildReport } from '../results/build.js';
import { scanDocument } from '../reporters/saved-scan.js';
import type { ScanDocument } from '../reporters/scan-document.js';

export interface ControllerOptions {
  api: ApiClient;
  /** Name of the cluster in results (the kubeconfig context, or `in-cluster`). */
  cluster: string;
  holder: PolicySetHolder;
  logger: Logger;
  reports: { flavour: ReportFlavour | 'none'; includePass: boolean; maxReports: number; writesPerSecond: number };
  /** Whether this replica may write now; absent: always (no leader election). */
  isLeader?: () => boolean;
  rescanIntervalMs: number;
  pageSize?: number;
  watchTimeoutSeconds?: number;
  /** Quiet time after the last view change before the cluster policies run again. Default 5 s. */
  contextDelayMs?: number;
  /** Quiet time after a namespace's labels change before its kinds are listed again. Default 2 s. */
  namespaceRelistDelayMs?: number;
  initialBackoffMs?: number;
  defaultMetrics?: boolean;
  /** VulnerabilityReports held at most (when a policy requires image scan results). Default 20,000. */
  maxVulnerabilityReports?: number;
  /** Quiet time after a VulnerabilityReport changes before the pod kinds are listed again. Default 2 s. */
  vulnerabilityRelistDelayMs?: number;
  /** Least time between two builds of the served report (`/report`). Default 10 s. */
  reportIntervalMs?: number;
  /**
   * Sees every object's reported result as it changes (alerts, src/alerts): `changed(uid, result)`
   * a moment after the change (`undefined` once the object is gone), and `baselineDone()` once, when
   * the first complete picture is in (everything listed, cluster policies run).
   */
  observer?: ResultObserver;
}

export interface ResultObserver {
  changed(uid: string, result: ObjectResult | undefined): void;
  baselineDone(): void;
}

interface KindState {
  kind: KnownKind;
  judged: boolean;
  forView: boolean;
  reflector: Reflector;
  /** View-only kinds: keys seen per listing, to sweep what a relist no longer shows. */
  viewSeen?: Map<string, { id: ObjectId; gen: number }>;
  viewGen: number;
  /** A whole listing went into the current view (reset when the view is rebuilt for a new policy set). */
  viewListed: boolean;
}

export class PostureController {
  readonly state: PostureState;
  readonly writer: ReportWriter | undefined;
  readonly metrics: PostureMetrics;
  /** The current report, for `/report` and `/report.json` on the ops port. */
  readonly report: ReportCache;
  private readonly kinds = new Map<string, KindState>();
  private view = new ClusterViewBuilder();
  private generation = -1;
  private contextTimer: NodeJS.Timeout | undefined;
  private namespaceTimer: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private writing = false;
  private stopped = false;
  private complianceCache: { at: number; value: ComplianceSummary } | undefined;
  private contextRuns = 0;
  private lastContextMs = 0;

  /** Objects whose result changed since the observer last saw them (bounded by the objects known). */
  private readonly observed = new Set<string>();
  private observeTimer: NodeJS.Timeout | undefined;
  private baselineDone = false;

  constructor(private readonly options: ControllerOptions) {
    this.report = new ReportCache({ build: () => this.reportDocument(), minIntervalMs: options.reportIntervalMs ?? 10_000 });
    this.state = new PostureState({
      cluster: options.cluster,
      onDirty: (uid) => {
        this.writer?.markDirty(uid);
        this.report.changed();
        if (options.observer !== undefined) this.observe(uid);
      },
    });
    this.metrics = createPostureMetrics({
      results: () => this.state.results(),
      objectsByKind: () => this.state.objectsByKind(),
      compliance: () => this.compliance(),
    }, options.defaultMetrics === false ? { defaultMetrics: false } : {});
    if (options.reports.flavour !== 'none') {
      this.writer = new ReportWriter({
        api: options.api,
        flavour: options.reports.flavour,
        report: { includePass: options.reports.includePass, policyInfo: (id) => registryPolicyInfo(this.active().set.registry)(id) },
        maxReports: options.reports.maxReports,
        writesPerSecond: options.reports.writesPerSecond,
        resultOf: (uid) => this.state.reported(uid),
        isLeader: () => !this.stopped && (options.isLeader?.() ?? true),
        logger: options.logger.child({ component: 'reports' }),
        metrics: this.metrics.writer,
      });
    }
  }

  /** Starts every reflector for the policy set in force; reports are written once `leadershipChanged(true)`. */
  start(): void {
    this.policiesChanged();
    this.rescanTimer = setInterval(() => this.rescan('interval'), this.options.rescanIntervalMs);
    this.rescanTimer.unref();
  }

  /** The policy set or configuration changed (or the first one is in): judge everything again. */
  policiesChanged(): void {
    const active = this.active();
    if (active.generation === this.generation) return;
    const first = this.generation === -1;
    this.generation = active.generation;
    this.complianceCache = undefined;
    this.report.changed();
    this.syncVulnerabilityWatch(active.set.engine);
    this.state.setPolicies({ registry: active.set.registry, config: active.set.engine, options: { runner: active.runner }, generation: active.generation, vulnerabilities: () => this.vulnerabilityLookup() });
    const judged = new Map<string, KnownKind>();
    for (const w of inspectedKinds(active.set.registry, active.set.engine)) if (w.operations.has('CREATE')) judged.set(kindKey(w.kind), w.kind);
    const forView = new Map(viewKinds(active.set.registry, active.set.engine).map((k) => [kindKey(k), k] as const));
    const ns = lookupKind({ group: '', kind: 'Namespace' })!;
    const wanted = new Map<string, KnownKind>([[kindKey(ns), ns], ...judged, ...forView]);
    // A kind no longer wanted stops; a new one starts; every kept one relists (new keys for all).
    for (const [key, ks] of this.kinds) {
      if (!wanted.has(key)) {
        void ks.reflector.stop();
        this.kinds.delete(key);
      }
    }
    this.view = new ClusterViewBuilder();
    const toStart: KnownKind[] = [];
    for (const kind of listingOrder([...wanted.values()])) {
      const key = kindKey(kind);
      const existing = this.kinds.get(key);
      if (existing !== undefined) {
        existing.judged = judged.has(key);
        existing.forView = forView.has(key);
        existing.viewListed = false;
        existing.reflector.relist();
        continue;
      }
      if (key === 'Namespace') this.startKind(kind, judged.has(key), forView.has(key));
      else toStart.push(kind);
    }
    // Namespaced objects are judged with their namespace's labels: the namespaces are listed first
    // (or their listing failed once, and objects are judged with the automatic name label meanwhile).
    const startRest = () => {
      for (const kind of toStart) if (!this.kinds.has(kindKey(kind)) && !this.stopped) this.startKind(kind, judged.has(kindKey(kind)), forView.has(kindKey(kind)));
    };
    if (this.kinds.get('Namespace')?.reflector.synced === true) startRest();
    else this.afterNamespaces = startRest;
    if (!first) this.options.logger.info({ generation: active.generation, kinds: [...wanted.keys()] }, 'policy set changed: judging every object again');
  }

  /** Leadership gained (true) or lost (false). A new leader reconciles every report with the cluster. */
  leadershipChanged(leader: boolean): void {
    this.metrics.setLeader(leader);
    this.writing = leader;
    if (!leader) {
      this.writerStarted = false;
      this.writer?.pause();
      return;
    }
    this.maybeStartWriting();
  }

  /** Why the controller is not ready yet (every kind listed once, the cluster policies run once). */
  notReady(): string[] {
    const reasons: string[] = [];
    const unlisted = [...this.kinds.values()].filter((k) => !k.reflector.synced).map((k) => kindKey(k.kind));
    if (this.vulnerabilityReflector !== undefined && this.vulnerabilityStatus === 'listing') unlisted.push(kindKey(VULNERABILITY_REPORT_KIND));
    if (unlisted.length > 0) reasons.push(`not listed yet: ${unlisted.join(', ')}`);
    if (this.needsContext() && this.contextRuns === 0 && unlisted.length === 0) reasons.push('cluster policies have not run yet');
    return reasons;
  }

  /** Every reported result now (for `/report`-like readers and tests). */
  results(): ObjectResult[] {
    return [...this.state.results()];
  }

  /** What the cluster view holds (the scanner benchmark reports it). */
  get viewSizes(): ClusterViewBuilder['sizes'] {
    return this.view.sizes;
  }

  /** How often the cluster policies ran, and how long the last run took (the scanner benchmark watches it). */
  get contextRunStats(): { runs: number; lastMs: number } {
    return { runs: this.contextRuns, lastMs: this.lastContextMs };
  }

  /** Full rescan: every kind is listed again (unchanged objects cost a hash). */
  rescan(reason: string): void {
    this.options.logger.info({ reason }, 'rescanning every kind');
    for (const ks of this.kinds.values()) ks.reflector.relist();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.contextTimer, this.namespaceTimer, this.observeTimer, this.vulnerabilityTimer]) if (t) clearTimeout(t);
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    await Promise.all([...this.kinds.values()].map((k) => k.reflector.stop()));
    await this.vulnerabilityReflector?.stop();
    await this.writer?.stop();
  }

  private active() {
    const a = this.options.holder.current();
    if (a === undefined) throw new Error('no policy set loaded');
    return a;
  }

  private needsContext(): boolean {
    return [...this.kinds.values()].some((k) => k.forView);
  }

  private startKind(kind: KnownKind, judged: boolean, forView: boolean): void {
    const key = kindKey(kind);
    const log = this.options.logger.child({ component: 'watch', kind: key });
    const ks: KindState = { kind, judged, forView, viewGen: 0, viewListed: false, reflector: undefined as unknown as Reflector };
    const handlers: ReflectorHandlers = {
      onListStart: () => {
        if (ks.judged) this.state.listStart(kind);
        ks.viewGen++;
      },
      onObject: (object) => this.onObject(ks, object),
      onDelete: (object) => this.onDelete(ks, object),
      onListEnd: (ms) => {
        this.metrics.listDuration(key, ms / 1000);
        if (ks.judged) for (const id of this.state.listEnd(kind)) this.viewRemove(ks, id);
        if (ks.forView) {
          if (!ks.judged && ks.viewSeen) {
            for (const [k, v] of ks.viewSeen) {
              if (v.gen === ks.viewGen) continue;
              ks.viewSeen.delete(k);
              this.viewRemove(ks, v.id);
            }
          }
          this.view.markComplete(key);
          ks.viewListed = true;
          this.contextChanged();
        }
        log.debug({ ms, objects: this.state.objectsByKind().get(key) ?? 0 }, 'listed');
        if (key === 'Namespace') this.namespacesSettled();
        this.maybeStartWriting();
      },
      onRestart: (reason, err, delayMs) => {
        this.metrics.watchRestart(key, reason);
        if (reason === 'error') {
          const status = err instanceof ApiError ? err.status : 0;
          this.metrics.listError(key, status);
          log.warn({ status, err: errorMessage(err), retryInMs: delayMs }, status === 403 ? 'cannot list or watch this kind: forbidden (the RBAC lacks it); its objects are not examined' : 'list or watch failed; retrying');
          if (key === 'Namespace') this.namespacesSettled();
        }
      },
    };
    ks.reflector = new Reflector(this.options.api, kind, handlers, {
      ...(this.options.pageSize ? { pageSize: this.options.pageSize } : {}),
      ...(this.options.watchTimeoutSeconds ? { watchTimeoutSeconds: this.options.watchTimeoutSeconds } : {}),
      ...(this.options.initialBackoffMs ? { initialBackoffMs: this.options.initialBackoffMs } : {}),
    });
    if (forView && !judged) ks.viewSeen = new Map();
    this.kinds.set(key, ks);
    ks.reflector.start();
  }

  private onObject(ks: KindState, object: Record<string, unknown>): void {
    const key = kindKey(ks.kind);
    if (key === 'Namespace') {
      const meta = object.metadata as { name?: unknown; labels?: unknown } | undefined;
      if (typeof meta?.name === 'string') {
        const labels = meta.labels !== null && typeof meta.labels === 'object' ? (meta.labels as Record<string, string>) : {};
        if (this.state.setNamespace(meta.name, labels)) this.namespaceChanged();
      }
    }
    if (ks.judged) {
      try {
        this.state.upsert(object, ks.kind);
      } catch (err) {
        // An object the engine cannot take is counted and logged (by name, never by content).
        this.metrics.evaluationError(key);
        const ref = clusterRefOf(object, ks.kind, this.options.cluster);
        this.options.logger.warn({ kind: key, namespace: ref.namespace, name: ref.name, err: errorMessage(err) }, 'object could not be judged');
      }
    }
    if (ks.forView) {
      this.view.add(object);
      if (ks.viewSeen) {
        const id = objectIdOf(object);
        if (id !== undefined) ks.viewSeen.set(objectKey(id), { id, gen: ks.viewGen });
      }
      this.contextChanged();
    }
  }

  private onDelete(ks: KindState, object: Record<string, unknown>): void {
    const uid = (object.metadata as { uid?: unknown } | undefined)?.uid;
    if (kindKey(ks.kind) === 'Namespace') {
      const name = (object.metadata as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string') this.state.removeNamespace(name);
    }
    if (ks.judged && typeof uid === 'string') this.state.remove(uid);
    const id = objectIdOf(object);
    if (id !== undefined) {
      ks.viewSeen?.delete(objectKey(id));
      this.viewRemove(ks, id);
    }
  }

  private viewRemove(ks: KindState, id: ObjectId): void {
    if (!ks.forView) return;
    if (this.view.remove(id)) this.contextChanged();
  }

  private namespaceChanged(): void {
    if (this.namespaceTimer) return;
    this.namespaceTimer = setTimeout(() => {
      this.namespaceTimer = undefined;
      // Only namespaced judged kinds depend on namespace labels; their unchanged objects cost a hash.
      for (const ks of this.kinds.values()) if (ks.judged && ks.kind.namespaced) ks.reflector.relist();
    }, this.options.namespaceRelistDelayMs ?? 2000);
    this.namespaceTimer.unref();
  }

  private contextChanged(): void {
    if (!this.needsContext()) return;
    if (this.contextTimer) clearTimeout(this.contextTimer);
    this.contextTimer = setTimeout(() => {
      this.contextTimer = undefined;
      this.runContext();
    }, this.options.contextDelayMs ?? 5000);
    this.contextTimer.unref();
  }

  private runContext(): void {
    if (this.stopped) return;
    // Absence ("no NetworkPolicy") is judged only over complete listings: wait for every view kind.
    if ([...this.kinds.values()].some((k) => k.forView && !k.viewListed)) return;
    const active = this.active();
    const started = performance.now();
    try {
      // The last run's findings go before this one runs (compared by digest): one run's worth in the heap, not two.
      this.state.releaseContext();
      const view = this.view.build();
      this.state.applyContext(evaluateContext(view, active.set.registry, active.set.engine, { runner: active.runner }), view);
      this.contextRuns++;
    } catch (err) {
      this.state.contextFailed();
      this.options.logger.error({ err: errorMessage(err) }, 'cluster policies could not run: their findings are left out until they run again');
    }
    this.complianceCache = undefined;
    this.report.changed();
    this.lastContextMs = performance.now() - started;
    this.metrics.contextDuration(this.lastContextMs / 1000);
    this.maybeStartWriting();
  }

  /** A leader starts writing once everything was listed and the cluster policies ran: never half a picture. */
  private maybeStartWriting(): void {
    this.maybeEndBaseline();
    if (!this.writing || this.writer === undefined || this.writerStarted || this.notReady().length > 0) return;
    this.writerStarted = true;
    this.writer.startWriting(this.state.reportedUids()).catch((err: unknown) => {
      this.writerStarted = false;
      this.options.logger.error({ err: errorMessage(err) }, 'cannot read the existing reports; will try again');
      const t = setTimeout(() => this.maybeStartWriting(), 5000);
      t.unref();
    });
  }

  private writerStarted = false;

  /** Changes are handed over in batches: a relist of thousands of objects is one pass, not thousands of timers. */
  private observe(uid: string): void {
    this.observed.add(uid);
    if (this.observeTimer !== undefined) return;
    this.observeTimer = setTimeout(() => this.flushObserved(), 250);
    this.observeTimer.unref();
  }

  private flushObserved(): void {
    if (this.observeTimer !== undefined) clearTimeout(this.observeTimer);
    this.observeTimer = undefined;
    const observer = this.options.observer;
    if (observer === undefined) return;
    for (const uid of this.observed) {
      try {
        observer.changed(uid, this.state.reported(uid));
      } catch (err) {
        this.options.logger.error({ err: errorMessage(err) }, 'result observer failed');
      }
    }
    this.observed.clear();
  }

  /** The first complete picture: what the observer has seen so far is the baseline. */
  private maybeEndBaseline(): void {
    if (this.baselineDone || this.options.observer === undefined || this.notReady().length > 0) return;
    this.baselineDone = true;
    this.flushObserved();
    this.options.observer.baselineDone();
  }
  private afterNamespaces: (() => void) | undefined;

  /**
   * Trivy Operator's VulnerabilityReports, watched only while an enabled policy requires image scan
   * results. Their summaries are part of the evaluation key of the objects running their images: a
   * changed report relists the judged pod kinds (after a quiet time) and only those objects are judged
   * again. Not served (no CRD) or forbidden: noted once, those policies are not run, and the reflector
   * keeps retrying with backoff (the CRD may be installed later).
   */
  private vulnerabilityReflector: Reflector | undefined;
  private vulnerabilityStore: VulnerabilityStore | undefined;
  /** The reflector's state: listed once, or why it cannot list (a note, not an unready controller). */
  private vulnerabilityStatus: 'listing' | 'listed' | 'unavailable' = 'listing';
  private vulnerabilityTimer: NodeJS.Timeout | undefined;

  private syncVulnerabilityWatch(engine: EngineConfig): void {
    const needing = policiesLackingData(engine, false);
    if (needing.length === 0) {
      if (this.vulnerabilityReflector !== undefined) void this.vulnerabilityReflector.stop();
      this.vulnerabilityReflector = undefined;
      this.vulnerabilityStore = undefined;
      return;
    }
    if (this.vulnerabilityReflector !== undefined) return;
    const store = new VulnerabilityStore(this.options.maxVulnerabilityReports !== undefined ? { maxReports: this.options.maxVulnerabilityReports } : {});
    this.vulnerabilityStore = store;
    this.vulnerabilityStatus = 'listing';
    const key = kindKey(VULNERABILITY_REPORT_KIND);
    const log = this.options.logger.child({ component: 'watch', kind: key });
    let noted = '';
    const changed = () => {
      if (this.vulnerabilityStatus === 'listed') this.vulnerabilitiesChanged();
    };
    this.vulnerabilityReflector = new Reflector(this.options.api, VULNERABILITY_REPORT_KIND, {
      onListStart: () => store.listStart(),
      onObject: (object) => {
        if (store.upsert(object)) changed();
      },
      onDelete: (object) => {
        if (store.remove(object)) changed();
      },
      onListEnd: (ms) => {
        this.metrics.listDuration(key, ms / 1000);
        const swept = store.listEnd();
        const first = this.vulnerabilityStatus !== 'listed';
        this.vulnerabilityStatus = 'listed';
        noted = '';
        // Malformed reports by name (never their contents): their images have no result.
        for (const p of store.problems()) log.warn({ err: p.message }, 'VulnerabilityReport not used');
        log.debug({ ms, reports: store.size }, 'listed');
        if (first) log.info({ reports: store.size, policies: needing }, 'image scan results from VulnerabilityReports in use');
        // The first listing judges every pod kind with the results at once; a relist only when it swept something.
        if (first) this.vulnerabilitiesChanged(0);
        else if (swept) this.vulnerabilitiesChanged();
        this.maybeStartWriting();
      },
      onRestart: (reason, err, delayMs) => {
        this.metrics.watchRestart(key, reason);
        if (reason !== 'error') return;
        const status = err instanceof ApiError ? err.status : 0;
        this.metrics.listError(key, status);
        if (status === 404 || status === 403) {
          const note = `not run: ${needing.join(', ')}: ${vulnerabilityListNote(err)}`;
          if (note !== noted) log.warn({ status, retryInMs: delayMs }, note);
          noted = note;
          if (this.vulnerabilityStatus === 'listing') {
            this.vulnerabilityStatus = 'unavailable';
            this.maybeStartWriting();
          }
        } else {
          log.warn({ status, err: errorMessage(err), retryInMs: delayMs }, 'list or watch of VulnerabilityReports failed; retrying');
        }
      },
    }, {
      ...(this.options.pageSize ? { pageSize: this.options.pageSize } : {}),
      ...(this.options.watchTimeoutSeconds ? { watchTimeoutSeconds: this.options.watchTimeoutSeconds } : {}),
      ...(this.options.initialBackoffMs ? { initialBackoffMs: this.options.initialBackoffMs } : {}),
    });
    this.vulnerabilityReflector.start();
  }

  /** The index the policies see: only once the reports were listed (before, those policies are not run). */
  private vulnerabilityLookup(): VulnerabilityLookup | undefined {
    if (this.vulnerabilityStatus !== 'listed') return undefined;
    return this.vulnerabilityStore?.lookup(new Date().toISOString());
  }

  /** Reports changed: the judged pod kinds are listed again after a quiet time; objects whose images' results changed are judged again. */
  private vulnerabilitiesChanged(delayMs = this.options.vulnerabilityRelistDelayMs ?? 2000): void {
    if (this.vulnerabilityTimer) return;
    this.vulnerabilityTimer = setTimeout(() => {
      this.vulnerabilityTimer = undefined;
      for (const ks of this.kinds.values()) if (ks.judged && ks.kind.podPath !== undefined) ks.reflector.relist();
    }, delayMs);
    this.vulnerabilityTimer.unref();
  }

  private namespacesSettled(): void {
    const next = this.afterNamespaces;
    this.afterNamespaces = undefined;
    next?.();
  }

  /** The saved scan of the results now; none until everything was listed and the cluster policies ran. */
  private reportDocument(): ScanDocument | undefined {
    const active = this.options.holder.current();
    if (active === undefined || this.notReady().length > 0) return undefined;
    return scanDocument(buildReport([...this.state.results()], this.vulnerabilityStore?.problems() ?? []), active.set, { source: { type: 'cluster', name: this.options.cluster } });
  }

  private compliance(): ComplianceSummary | undefined {
    const now = Date.now();
    // Scoring walks every result; a scrape every few seconds must not redo it each time.
    if (this.complianceCache !== undefined && now - this.complianceCache.at < 30_000) return this.complianceCache.value;
    const active = this.options.holder.current();
    if (active === undefined) return undefined;
    const value = scoreCompliance({ objects: [...this.state.results()] }, active.set.registry, new Set(active.set.engine.enabled.map((e) => e.id)), { failing: false });
    this.complianceCache = { at: now, value };
    return value;
  }
}
