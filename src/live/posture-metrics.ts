/**
 * The controller's Prometheus metrics. Results are counted at scrape time from what the controller
 * holds (never incremented per event, so they cannot drift from the reports). Two result gauges rather
 * than one with every label: policy × severity × result is bounded by the library, namespace × result by
 * the cluster; their product (2,000 namespaces × 60 policies) would not be.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ComplianceSummary } from '../compliance/score.js';
import type { ObjectResult } from '../results/model.js';
import type { RestartReason } from '../cluster/reflector.js';
import type { ReportWriterMetrics } from './report-writer.js';

export interface PostureSnapshot {
  results(): Iterable<ObjectResult>;
  objectsByKind(): Map<string, number>;
  compliance(): ComplianceSummary | undefined;
}

export interface PostureMetrics {
  registry: Registry;
  listDuration(kind: string, seconds: number): void;
  contextDuration(seconds: number): void;
  watchRestart(kind: string, reason: RestartReason): void;
  listError(kind: string, status: number): void;
  evaluationError(kind: string): void;
  setLeader(leader: boolean): void;
  writer: ReportWriterMetrics;
}

export function createPostureMetrics(snapshot: PostureSnapshot, options: { defaultMetrics?: boolean } = {}): PostureMetrics {
  const registry = new Registry();
  const p = 'kube_posture_';
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: p });
  const registers = [registry];
  new Gauge({
    name: `${p}posture_results`,
    help: 'Policy results over the objects in the cluster, by policy, severity and result (fail, warn, audit, error, pass).',
    labelNames: ['policy', 'severity', 'result'],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const r of snapshot.results()) {
        for (const f of r.findings) {
          const key = `${f.policyId}\u0000${f.severity}\u0000${resultOf(f.kind, f.action)}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        for (const id of r.passed ?? []) counts.set(`${id}\u0000\u0000pass`, (counts.get(`${id}\u0000\u0000pass`) ?? 0) + 1);
      }
      for (const [key, n] of counts) {
        const [policy, severity, result] = key.split('\u0000') as [string, string, string];
        this.set({ policy, severity, result }, n);
      }
    },
  });
  new Gauge({
    name: `${p}posture_namespace_results`,
    help: 'Policy results by namespace and result (cluster-scoped objects under namespace "").',
    labelNames: ['namespace', 'result'],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const r of snapshot.results()) {
        const ns = 'namespace' in r.ref && r.ref.namespace !== undefined ? r.ref.namespace : '';
        for (const f of r.findings) {
          const key = `${ns}\u0000${resultOf(f.kind, f.action)}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      for (const [key, n] of counts) {
        const [namespace, result] = key.split('\u0000') as [string, string];
        this.set({ namespace, result }, n);
      }
    },
  });
  new Gauge({
    name: `${p}objects_watched`,
    help: 'Judged objects the controller keeps current, by kind.',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      for (const [kind, n] of snapshot.objectsByKind()) this.set({ kind }, n);
    },
  });
  new Gauge({
    name: `${p}compliance_score`,
    help: 'Compliance score per framework, 0..100 (see docs/compliance-scores.md).',
    labelNames: ['framework'],
    registers,
    collect() {
      this.reset();
      for (const f of snapshot.compliance()?.frameworks ?? []) if (f.compliance !== undefined) this.set({ framework: f.id }, f.compliance);
    },
  });
  new Gauge({
    name: `${p}risk_score`,
    help: 'Severity-weighted risk score per framework, 0..100 (see docs/compliance-scores.md).',
    labelNames: ['framework'],
    registers,
    collect() {
      this.reset();
      for (const f of snapshot.compliance()?.frameworks ?? []) if (f.risk !== undefined) this.set({ framework: f.id }, f.risk);
    },
  });
  const listSeconds = new Histogram({ name: `${p}scan_duration_seconds`, help: 'Duration of a whole listing of one kind (first scan, relists, periodic rescans).', labelNames: ['kind'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers });
  const contextSeconds = new Histogram({ name: `${p}context_evaluation_seconds`, help: 'Duration of one run of the cluster policies over the cluster view.', buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
  const restarts = new Counter({ name: `${p}watch_restarts_total`, help: 'Watches restarted, by kind and reason (closed by the server, expired: 410 relist, idle, error, relist).', labelNames: ['kind', 'reason'], registers });
  const listErrors = new Counter({ name: `${p}list_errors_total`, help: 'Lists and watches that failed, by kind and HTTP status (0: transport); 403 means the RBAC lacks the kind.', labelNames: ['kind', 'status'], registers });
  const evalErrors = new Counter({ name: `${p}evaluation_errors_total`, help: 'Objects whose evaluation threw (judged as not examined), by kind.', labelNames: ['kind'], registers });
  const leader = new Gauge({ name: `${p}leader`, help: '1 while this replica holds the lease and writes reports.', registers });
  const writes = new Counter({ name: `${p}report_writes_total`, help: 'Report objects applied or deleted, by outcome.', labelNames: ['operation', 'outcome'], registers });
  const drops = new Counter({ name: `${p}report_drops_total`, help: 'Reports not written: limit (the maximum number of report objects was reached).', labelNames: ['reason'], registers });
  const reports = new Gauge({ name: `${p}reports`, help: 'Report objects that exist, as the leader knows them.', registers });
  leader.set(0);
  return {
    registry,
    listDuration: (kind, s) => listSeconds.observe({ kind }, s),
    contextDuration: (s) => contextSeconds.observe(s),
    watchRestart: (kind, reason) => restarts.inc({ kind, reason }),
    listError: (kind, status) => listErrors.inc({ kind, status: String(status) }),
    evaluationError: (kind) => evalErrors.inc({ kind }),
    setLeader: (l) => leader.set(l ? 1 : 0),
    writer: {
      write: (operation, outcome) => writes.inc({ operation, outcome }),
      drop: (reason) => drops.inc({ reason }),
      reports: (n) => reports.set(n),
    },
  };
}

function resultOf(kind: string, action: string): string {
  if (kind === 'error') return 'error';
  return action === 'deny' ? 'fail' : action;
}
