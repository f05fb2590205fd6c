/**
 * Prometheus metrics of the webhook. One registry per server (never prom-client's global one), so
 * tests can build many servers and read exact values.
 *
 * Labelled children are cached: `counter.labels(...)` hashes its labels on every call, and a review
 * touches one counter per policy run, which would otherwise dominate the cost of a cheap review.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
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

  const requests = new Counter({ name: `${p}admission_requests_total`, help: 'Admission reviews answered, by operation, kind, decision and dry run.', labelNames: ['operation', 'kind', 'decision', 'dry_run'], registers: [registry] });
  const latency = new Histogram({
    name: `${p}admission_duration_seconds`,
    help: 'Time from receiving a parsed review to answering it.',
    labelNames: ['operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
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
  const requestChildren = new Map<string, { inc(): void }>();
  const latencyChildren = new Map<string, { observe(v: number): void }>();
  const cached = <T>(map: Map<string, T>, key: string, make: () => T): T => {
    let child = map.get(key);
    if (child === undefined) {
      child = make();
      // Label values come from the request (kind); cap the cache so odd kinds cannot grow it unbounded.
      if (map.size < 5000) map.set(key, child);
    }
    return child;
  };
  const dry = (d: boolean): string => (d ? 'true' : 'false');

  return {
    registry,
    review(operation, kind, decision, dryRun, seconds) {
      cached(requestChildren, `${operation}\0${kind}\0${decision}\0${dryRun}`, () => requests.labels(operation, kind, decision, dry(dryRun))).inc();
      cached(latencyChildren, operation, () => latency.labels(operation)).observe(seconds);
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
