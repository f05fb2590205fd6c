/**
 * Context-aware evaluation: every enabled cluster policy over one cluster view. Pure like `evaluate`
 * (no I/O, no clock), with the same runner (user policies guarded) and the same isolation (a check that
 * throws is an error finding, never a crash). The webhook never calls this: admission sees one object.
 * A finding is dropped for a globally exempt object, and reported as a `skip` outcome (exempt, with the
 * reason) for a per-policy exemption or a `kube-posture.io/ignore` annotation on the object it is about,
 * decided by the same rule as in `evaluate` (./annotations.ts); an annotation not honoured says so on
 * the finding. The policy still runs over the whole view: only findings about that object are affected.
 */
import type { EngineConfig } from './engine-config.js';
import { directRunner, errorFinding, toFinding, type EngineResult, type EvaluateOptions } from './engine.js';
import { firstExemption, exemptionReason } from './exemptions.js';
import { ignoreVerdict } from './annotations.js';
import { groupOf, KNOWN_KINDS, kindKey, lookupKind, type KnownKind } from './kinds.js';
import { planFor, type PlanEntry } from './plan.js';
import type { Registry } from './registry.js';
import { isRecord } from './safe.js';
import type { ClusterCheckContext, ClusterPolicy, ClusterViolation, EvaluationInput, EvaluationResult, Finding } from './types.js';
import { objectKey } from './view/ids.js';
import type { ClusterView, ObjectId } from './view/types.js';

/** A finding of a cluster policy, with the object it is about. */
export interface ContextFinding extends Finding {
  object: ObjectId;
}

/** Everything cluster policies found about one object: an EngineResult, ready for `decide` and `objectResult`. */
export interface ContextObjectResult extends EngineResult {
  object: ObjectId;
  findings: ContextFinding[];
}

export interface ContextResult {
  /** Every finding, in policy order. */
  findings: ContextFinding[];
  /** The same findings per object, in the order objects were first named. */
  objects: ContextObjectResult[];
  /** One entry per cluster policy run. */
  outcomes: EvaluationResult['outcomes'];
}

/** Where a cluster policy's own failure is reported: it is about no one object. */
export const CLUSTER_OBJECT: ObjectId = Object.freeze({ apiVersion: 'kube-posture.io/v1', kind: 'Cluster', name: 'cluster' });

const MAX_EVIDENCE = 10;
const MAX_EVIDENCE_CHARS = 300;

/** The enabled cluster policies, each with its action. */
function clusterEntries(config: EngineConfig): PlanEntry[] {
  const out: PlanEntry[] = [];
  for (const { id, action } of config.enabled) {
    const policy = config.policies.get(id);
    if (policy?.registered.policy.target === 'cluster') out.push({ policy, action, version: config.pssVersion });
  }
  return out;
}

/** The kinds the enabled cluster policies read: what a live scan must list for the view (KNOWN_KINDS order). */
export function viewKinds(_registry: Registry, config: EngineConfig): KnownKind[] {
  const wanted = new Set<string>();
  for (const e of clusterEntries(config)) for (const gk of e.policy.registered.viewKinds) wanted.add(kindKey(gk));
  return KNOWN_KINDS.filter((k) => wanted.has(kindKey(k)));
}

/** Runs every enabled cluster policy over the view. */
export function evaluateContext(view: ClusterView, registry: Registry, config: EngineConfig, options: EvaluateOptions = {}): ContextResult {
  const runner = options.runner ?? directRunner;
  const byObject = new Map<string, ContextObjectResult>();
  const findings: ContextFinding[] = [];
  const outcomes: EvaluationResult['outcomes'] = [];
  const forObject = (object: ObjectId): ContextObjectResult => {
    const key = objectKey(object);
    let r = byObject.get(key);
    if (r === undefined) byObject.set(key, (r = { object, findings: [], outcomes: [], mode: modeOf(object, view, registry, config), notes: [] }));
    return r;
  };
  for (const entry of clusterEntries(config)) {
    const policy = entry.policy.registered.policy as ClusterPolicy;
    const ctx: ClusterCheckContext = { params: entry.policy.params as Record<string, unknown>, version: entry.version };
    const result = runner.run(entry.policy, () => policy.check(view, ctx));
    if (!result.ok) {
      outcomes.push({ policyId: policy.id, outcome: result.reason === 'timeout' ? 'timeout' : 'error' });
      const f = { ...errorFinding(entry, result.reason, result.error), object: CLUSTER_OBJECT };
      findings.push(f);
      forObject(CLUSTER_OBJECT).findings.push(f);
      continue;
    }
    let failed = false;
    const skipped = new Set<string>();
    for (const raw of result.violations as ClusterViolation[]) {
      const object = objectIdFrom(isRecord(raw) ? raw.object : undefined);
      if (object === undefined) {
        // A violation that names no object is a fault in the policy: say so where its failures go.
        const f = { ...errorFinding(entry, 'error', 'a violation names no object (apiVersion, kind and name)'), object: CLUSTER_OBJECT };
        findings.push(f);
        forObject(CLUSTER_OBJECT).findings.push(f);
        continue;
      }
      const input = inputFor(object, view);
      if (firstExemption(config.exemptions, input) !== undefined) continue;
      let reason = entry.policy.exemptions !== undefined ? exemptionReason(entry.policy.exemptions, input) : undefined;
      // As in evaluate: the policy's own exemptions first, then the object's annotation.
      let notHonoured: string | undefined;
      let ignoredBy: string | undefined;
      const ignore = reason === undefined ? view.ignoreOf(object) : undefined;
      if (ignore?.ids.has(policy.id) === true) {
        const verdict = ignoreVerdict(ignore, config.ignoreAnnotations, entry.action);
        if (verdict.honoured) {
          reason = verdict.reason;
          ignoredBy = ignore.reason ?? '';
        } else notHonoured = verdict.why;
      }
      if (reason !== undefined) {
        const key = objectKey(object);
        if (!skipped.has(key)) {
          const target = forObject(object);
          target.outcomes.push({ policyId: policy.id, outcome: 'skip', reason });
          // As evaluate notes it: the object asked for this itself, so it is reported even when nothing else is.
          if (ignoredBy !== undefined) target.annotationNotes = [...(target.annotationNotes ?? []), `exempt by annotation: [${policy.id}] ${ignoredBy}`];
        }
        skipped.add(key);
        continue;
      }
      failed = true;
      const evidence = evidenceOf(raw.evidence);
      const finding = toFinding(entry, raw, []);
      const f: ContextFinding = { ...finding, ...(notHonoured !== undefined ? { message: `${finding.message} (${notHonoured})` } : {}), ...(evidence.length > 0 ? { evidence } : {}), object };
      findings.push(f);
      const target = forObject(object);
      if (!target.outcomes.some((o) => o.policyId === policy.id && o.outcome === 'fail')) {
        target.outcomes.push({ policyId: policy.id, outcome: 'fail' });
        if (notHonoured !== undefined) target.annotationNotes = [...(target.annotationNotes ?? []), `[${policy.id}] ${notHonoured}`];
      }
      target.findings.push(f);
    }
    outcomes.push({ policyId: policy.id, outcome: failed ? 'fail' : 'pass' });
  }
  return { findings, objects: [...byObject.values()], outcomes };
}

/** Only the identity's own fields, checked: the policy's object is not kept. */
function objectIdFrom(value: unknown): ObjectId | undefined {
  if (!isRecord(value)) return undefined;
  const { apiVersion, kind, namespace, name } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string' || kind === '' || name === '') return undefined;
  return { apiVersion, kind, ...(typeof namespace === 'string' && namespace !== '' ? { namespace } : {}), name };
}

function evidenceOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((e): e is string => typeof e === 'string' && e !== '').slice(0, MAX_EVIDENCE).map((e) => (e.length > MAX_EVIDENCE_CHARS ? `${e.slice(0, MAX_EVIDENCE_CHARS - 1).toWellFormed()}…` : e));
}

/**
 * The object as exemptions see it: kind, name, namespace, the labels the view knows, and its
 * namespace's labels. A Namespace is its own namespace, as in admission. There is no requester, as in
 * any scan, so exemptions by user, group or service account never match.
 */
function inputFor(id: ObjectId, view: ClusterView): EvaluationInput {
  const namespace = id.namespace ?? (id.kind === 'Namespace' && groupOf(id.apiVersion) === '' ? id.name : undefined);
  return {
    object: { apiVersion: id.apiVersion, kind: id.kind, metadata: { name: id.name, ...(id.namespace !== undefined ? { namespace: id.namespace } : {}), labels: view.labelsOf(id) } },
    operation: 'CREATE',
    kind: { group: groupOf(id.apiVersion), kind: id.kind },
    name: id.name,
    ...(namespace !== undefined ? { namespace, namespaceLabels: { ...view.namespaceLabels(namespace) } } : {}),
  };
}

/** The mode for the object's verdict: the global one, or its namespace's `<prefix>/mode` label. */
function modeOf(id: ObjectId, view: ClusterView, registry: Registry, config: EngineConfig): EngineResult['mode'] {
  const known = lookupKind({ group: groupOf(id.apiVersion), kind: id.kind });
  const ns = id.namespace ?? (known?.kind === 'Namespace' ? id.name : undefined);
  return planFor(config, registry, ns !== undefined ? { ...view.namespaceLabels(ns) } : undefined).mode;
}

