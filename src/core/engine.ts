import type { EngineConfig, EnginePolicy } from './engine-config.js';
import { errorMessage } from './errors.js';
import { exemptionReason, firstExemption } from './exemptions.js';
import { formatPath } from './path.js';
import { planFor, stepsFor, type PlanEntry } from './plan.js';
import type { Registry } from './registry.js';
import { pinContainers, podSubjectOf, podUnchanged, unpinContainers, type PodSubject } from './subjects/pod.js';
import type { CheckContext, EvaluationInput, EvaluationResult, Finding, Mode, ObjectPolicy, PodPolicy, Violation } from './types.js';
import { formatPssVersion } from './version.js';
import { lookupKind } from './kinds.js';
import { ignoreRequest, ignoreVerdict } from './annotations.js';

/**
 * How a policy's check is invoked. The default calls it directly inside try/catch; adapters pass a
 * guarded runner (a time budget) for policies from user directories. Kept as a dependency so that
 * the engine itself reads no clock.
 */
export interface PolicyRunner {
  run(policy: EnginePolicy, call: () => Violation[]): RunResult;
}
export type RunResult = { ok: true; violations: Violation[] } | { ok: false; reason: 'error' | 'timeout'; error: string };

export const directRunner: PolicyRunner = {
  run(_policy, call) {
    try {
      const violations = call();
      if (!Array.isArray(violations)) return { ok: false, reason: 'error', error: 'check did not return an array' };
      return { ok: true, violations };
    } catch (err) {
      return { ok: false, reason: 'error', error: errorMessage(err) };
    }
  },
};

export interface EvaluateOptions {
  runner?: PolicyRunner;
}

export interface EngineResult extends EvaluationResult {
  /** The mode in force for this request (global, or from the namespace's `<prefix>/mode` label). */
  mode: Mode;
  /** Problems with the namespace's labels (invalid level or version). */
  notes: readonly string[];
  /** What the object's `kube-posture.io/ignore` annotation did (./annotations.ts), for the webhook's warnings. */
  annotationNotes?: readonly string[];
}

const EMPTY: readonly never[] = Object.freeze([]);

/** Evaluates one request against the configured policies. Pure: no I/O, no clock, no globals. */
export function evaluate(input: EvaluationInput, registry: Registry, config: EngineConfig, options: EvaluateOptions = {}): EngineResult {
  const runner = options.runner ?? directRunner;
  const plan = planFor(config, registry, input.namespaceLabels);
  const exempt = firstExemption(config.exemptions, input);
  if (exempt !== undefined) return { findings: [], outcomes: [], exemptBy: exempt, mode: plan.mode, notes: plan.notes };

  const findings: Finding[] = [];
  const outcomes: EvaluationResult['outcomes'] = [];
  const subResource = input.subResource ?? '';
  const known = lookupKind(input.kind);
  const ignore = ignoreRequest(input.operation === 'DELETE' ? input.oldObject : input.object);
  const annotationNotes: string[] = [];

  // The pod subject, and whether pod rules apply at all, are computed once per request.
  let pod: PodSubject | undefined;
  let podRulesApply = false;
  if (known?.podPath !== undefined && input.operation !== 'DELETE' && input.operation !== 'CONNECT') {
    // Pod rules inspect Pods (and their ephemeral containers sub-resource) and workload templates.
    const podSubResourceOk = subResource === '' || (input.kind.kind === 'Pod' && input.kind.group === '' && subResource === 'ephemeralcontainers');
    pod = podSubResourceOk ? podSubjectOf(input.object, input.kind) : undefined;
    podRulesApply = pod !== undefined && !(input.operation === 'UPDATE' && podUnchanged(pod, podSubjectOf(input.oldObject, input.kind), known.podPath.length === 0));
  }

  // The steps were compiled for this kind and operation once per configuration (plan.ts).
  const steps = stepsFor(plan, input.kind, input.operation);
  // One container walk per request, shared by every pod rule (containersOf answers from it).
  const pinned = podRulesApply && pod !== undefined ? pinContainers(pod.spec) : false;
  // One call closure for the whole evaluation, reading the current step's check, subject and context
  // (runners call it synchronously, once): a closure and its captured scope per policy were most of
  // what the engine itself allocated per review.
  let current: { policy: PodPolicy | ObjectPolicy; subject: unknown; ctx: CheckContext } | undefined;
  const call = (): Violation[] => current!.policy.check(current!.subject as never, current!.ctx);
  try {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const policy = step.policy;
      let root: readonly (string | number)[] = EMPTY;
      let subject: unknown;
      if (step.pod) {
        if (!podRulesApply || pod === undefined) continue;
        root = pod.root;
        subject = pod;
      } else {
        if (subResource !== '' && !step.subResources.includes(subResource)) continue;
        const object = input.operation === 'DELETE' ? input.oldObject : input.object;
        if (object === null || typeof object !== 'object') continue;
        subject = object;
      }
      // A policy that reads data the adapter was not given is not run, and leaves no outcome: it did not
      // pass. Adapters say once per run which policies were not run and why (`policiesLackingData`),
      // rather than every object carrying the same note.
      if (step.needsVulnerabilities && input.vulnerabilities === undefined) continue;
      if (step.exemptions !== undefined) {
        const reason = exemptionReason(step.exemptions, input);
        if (reason !== undefined) {
          outcomes.push({ policyId: policy.id, outcome: 'skip', reason });
          continue;
        }
      }
      let notHonoured: string | undefined;
      if (ignore?.ids.has(policy.id) === true) {
        const verdict = ignoreVerdict(ignore, config.ignoreAnnotations, step.entry.action);
        if (verdict.honoured) {
          outcomes.push({ policyId: policy.id, outcome: 'skip', reason: verdict.reason });
          annotationNotes.push(`exempt by annotation: [${policy.id}] ${ignore.reason ?? ''}`);
          continue;
        }
        notHonoured = verdict.why;
      }
      current = { policy, subject, ctx: { params: step.params, version: step.entry.version, input } };
      const result = runner.run(step.entry.policy, call);
      current = undefined;
      if (!result.ok) {
        outcomes.push({ policyId: policy.id, outcome: result.reason === 'timeout' ? 'timeout' : 'error' });
        findings.push(errorFinding(step.entry, result.reason, result.error));
        continue;
      }
      outcomes.push(result.violations.length === 0 ? step.passed : step.failed);
      for (const v of result.violations) {
        const f = toFinding(step.entry, v, root);
        findings.push(notHonoured === undefined ? f : { ...f, message: `${f.message} (${notHonoured})` });
      }
      if (notHonoured !== undefined && result.violations.length > 0) annotationNotes.push(`[${policy.id}] ${notHonoured}`);
    }
  } finally {
    if (pinned) unpinContainers();
  }
  return { findings, outcomes, mode: plan.mode, notes: plan.notes, ...(annotationNotes.length > 0 ? { annotationNotes } : {}) };
}

export function toFinding(entry: PlanEntry, v: Violation, root: readonly (string | number)[]): Finding {
  const p = entry.policy.registered.policy;
  const rel = Array.isArray(v?.path) ? v.path : [];
  const value = v?.value;
  return {
    kind: 'violation',
    policyId: p.id,
    title: p.title,
    severity: p.severity,
    category: p.category,
    action: entry.action,
    message: typeof v?.message === 'string' && v.message !== '' ? v.message : p.title,
    path: formatPath([...root, ...rel]),
    ...(value !== undefined && (value === null || typeof value !== 'object') ? { value } : {}),
    remediation: typeof v?.remediation === 'string' && v.remediation !== '' ? v.remediation : p.remediation,
    controls: p.controls,
    ...(p.pss ? { pssVersion: formatPssVersion(entry.version) } : {}),
  };
}

export function errorFinding(entry: PlanEntry, reason: 'error' | 'timeout', error: string): Finding {
  const p = entry.policy.registered.policy;
  const what = reason === 'timeout' ? 'ran past its time budget' : `failed: ${error}`;
  return {
    kind: 'error',
    policyId: p.id,
    title: p.title,
    severity: p.severity,
    category: p.category,
    // Fail closed keeps the policy's own action (a deny policy that breaks still denies); fail open
    // lets the request through with a warning. A warn or audit policy never denies, even broken.
    action: entry.policy.onError === 'closed' ? entry.action : entry.action === 'audit' ? 'audit' : 'warn',
    message: `policy ${what}`,
    path: '',
    remediation: 'This is a fault in the policy, not in the object: report it to the policy owner.',
    controls: p.controls,
  };
}

/** Why a policy that needs image scan results did not run. */
export const NO_VULNERABILITY_DATA = 'no image vulnerability results were given (scan --vulnerabilities FILE, or Trivy Operator reports in the cluster)';

/** The enabled policies that an evaluation without vulnerability results does not run. */
export function policiesLackingData(config: EngineConfig, hasVulnerabilities: boolean): string[] {
  if (hasVulnerabilities) return [];
  const out: string[] = [];
  for (const { id } of config.enabled) {
    const p = config.policies.get(id)?.registered.policy;
    if (p?.requires?.includes('vulnerabilities')) out.push(id);
  }
  return out;
}
