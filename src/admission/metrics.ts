/**
 * Prometheus metrics of the webhook. One registry per server (never prom-client's global one), so
 * tests can build many servers and read exact values.
 *
 * Nothing on the review path goes through prom-client's labelled children, which hash and validate
 * their labels on every call (a review touches one counter per policy run): counts are kept in plain
 * maps and added to the counters when scraped, and the latency histogram is LatencyHistogram below.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { PolicyOutcome } from '../core/types.js';

export type ReviewDecision = 'allowed' | 'denied' | 'would_deny' | 'exempt';

export interface AdmissionMetrics {
  readonly registry: Registry;
  review(operation: string, kind: string, decision: ReviewDecision, dryRun: boolean, seconds: number): void;
  outcome(policyId: string, outcome: PolicyOutcome, dryRun: boolean): void;
  malformed(code: string): void;
  deadlineExceeded(): void;
  configReload(result: 'success' | 'failure', source: string): void;
  tlsReload(result: 'success' | 'failure'): void;
  setPoliciesLoaded(count: number): void;
  setNamespaceCacheSynced(synced: boolean, size: number): void;
}

export function createMetrics(options: { registry?: Registry; defaultMetrics?: boolean; prefix?: string } = {}): AdmissionMetrics {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? 'kube_posture_';
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: p });

  const requests = new Counter({ name: `${p}admission_requests_total`, help: 'Admission reviews answered, by operation, kind, decision and dry run.', labelNames: ['operation', 'kind', 'decision', 'dry_run'], registers: [registry], collect: () => flushRequests() });
  const latency = new LatencyHistogram(`${p}admission_duration_seconds`, 'Time from receiving a parsed review to answering it.', [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
  registry.registerMetric(latency as unknown as Metric);
  const evaluations = new Counter({ name: `${p}policy_evaluations_total`, help: 'Policy runs by policy and result (pass, fail, error, timeout, skip).', labelNames: ['policy', 'result', 'dry_run'], registers: [registry], collect: () => flush() });
  const policyErrors = new Counter({ name: `${p}policy_errors_total`, help: 'Policy runs that threw (error) or ran past their budget (timeout).', labelNames: ['policy', 'reason'], registers: [registry], collect: () => flush() });
  const malformed = new Counter({ name: `${p}admission_malformed_total`, help: 'Requests answered with an error instead of a review (400, 413, 503, 504), by error code.', labelNames: ['code'], registers: [registry] });
  const deadline = new Counter({ name: `${p}admission_deadline_exceeded_total`, help: 'Reviews whose ?timeout deadline passed before evaluation finished.', registers: [registry] });
  const reloads = new Counter({ name: `${p}config_reloads_total`, help: 'Configuration and policy reloads, by result and what triggered them.', labelNames: ['result', 'source'], registers: [registry] });
  const tlsReloads = new Counter({ name: `${p}tls_reloads_total`, help: 'Serving certificate reloads, by result.', labelNames: ['result'], registers: [registry] });
  const loaded = new Gauge({ name: `${p}policies_enabled`, help: 'Policies enabled by the active configuration.', registers: [registry] });
  const nsSynced = new Gauge({ name: `${p}namespace_cache_synced`, help: '1 when the namespace informer has listed the cluster, 0 otherwise.', registers: [registry] });
  const nsSize = new Gauge({ name: `${p}namespace_cache_size`, help: 'Namespaces in the informer cache.', registers: [registry] });

  // Policy outcomes are the hot path (one per policy per review): counted in plain arrays and added
  // to the prom-client counters when scraped, so a review does no label hashing or string building.
  const OUTCOMES: readonly PolicyOutcome[] = ['pass', 'fail', 'error', 'timeout', 'skip'];
  const outcomeIndex: Record<PolicyOutcome, number> = { pass: 0, fail: 1, error: 2, timeout: 3, skip: 4 };
  const pending = new Map<string, Float64Array>();
  const flush = (): void => {
    for (const [policy, counts] of pending) {
      for (let i = 0; i < counts.length; i++) {
        const n = counts[i]!;
        if (n === 0) continue;
        const outcome = OUTCOMES[i >> 1]!;
        const dryRun = (i & 1) === 1;
        evaluations.labels(policy, outcome, dry(dryRun)).inc(n);
        if (outcome === 'error' || outcome === 'timeout') policyErrors.labels(policy, outcome).inc(n);
        counts[i] = 0;
      }
    }
  };
  // Reviews are counted the same way: per label set in a plain map, added to the counter when scraped
  // (a prom-client child still hashes its labels on every inc()).
  const pendingRequests = new Map<string, { labels: [string, string, string, string]; n: number }>();
  const flushRequests = (): void => {
    for (const entry of pendingRequests.values()) {
      if (entry.n === 0) continue;
      requests.labels(...entry.labels).inc(entry.n);
      entry.n = 0;
    }
  };
  const dry = (d: boolean): string => (d ? 'true' : 'false');

  return {
    registry,
    review(operation, kind, decision, dryRun, seconds) {
      const key = `${operation}\0${kind}\0${decision}\0${dryRun}`;
      let entry = pendingRequests.get(key);
      if (entry === undefined) {
        // Label values come from the request (kind): past 5,000 label sets, flush and start over so
        // odd kinds cannot grow the map without bound.
        if (pendingRequests.size >= 5000) {
          flushRequests();
          pendingRequests.clear();
        }
        entry = { labels: [operation, kind, decision, dry(dryRun)], n: 0 };
        pendingRequests.set(key, entry);
      }
      entry.n += 1;
      latency.observe(operation, seconds);
    },
    outcome(policyId, outcome, dryRun) {
      let counts = pending.get(policyId);
      if (counts === undefined) {
        counts = new Float64Array(OUTCOMES.length * 2);
        pending.set(policyId, counts);
      }
      counts[outcomeIndex[outcome] * 2 + (dryRun ? 1 : 0)]! += 1;
    },
    malformed(code) {
      malformed.labels(code).inc();
    },
    deadlineExceeded() {
      deadline.inc();
    },
    configReload(result, source) {
      reloads.labels(result, source).inc();
    },
    tlsReload(result) {
      tlsReloads.labels(result).inc();
    },
    setPoliciesLoaded(count) {
      loaded.set(count);
    },
    setNamespaceCacheSynced(synced, size) {
      nsSynced.set(synced ? 1 : 0);
      nsSize.set(size);
    },
  };
}

/**
 * The review latency histogram, labelled by operation. prom-client's Histogram hashes and validates
 * its labels on every observe(), a few microseconds per review; this one keeps per-operation bucket
 * counts in arrays and renders them in prom-client's format when the registry is scraped. Operations
 * are the five the parser accepts, so the label set is bounded.
 */
interface HistogramValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

export class LatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly byOperation = new Map<string, { buckets: Float64Array; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
  ) {}

  observe(operation: string, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    let data = this.byOperation.get(operation);
    if (data === undefined) {
      data = { buckets: new Float64Array(this.upperBounds.length), sum: 0, count: 0 };
      this.byOperation.set(operation, data);
    }
    for (let i = 0; i < this.upperBounds.length; i++) {
      if (seconds <= this.upperBounds[i]!) {
        data.buckets[i]! += 1;
        break;
      }
    }
    data.sum += seconds;
    data.count += 1;
  }

  /** What the registry reads when scraped (prom-client's runtime shape; its typings say an enum). */
  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: HistogramValue[] }> {
    const values: HistogramValue[] = [];
    for (const [operation, data] of this.byOperation) {
      let cumulative = 0;
      for (let i = 0; i < this.upperBounds.length; i++) {
        cumulative += data.buckets[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: this.upperBounds[i]!, operation }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', operation }, value: data.count });
      values.push({ metricName: `${this.name}_sum`, labels: { operation }, value: data.sum });
      values.push({ metricName: `${this.name}_count`, labels: { operation }, value: data.count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.byOperation.clear();
  }
}
