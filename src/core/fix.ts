import type { EngineConfig } from './engine-config.js';
import { directRunner, evaluate, type PolicyRunner } from './engine.js';
import { errorMessage } from './errors.js';
import type { PathSegment } from './path.js';
import type { Registry } from './registry.js';
import { podSubjectOf } from './subjects/pod.js';
import type { CheckContext, EvaluationInput, Finding, FixOperation, Violation } from './types.js';

/** A finding that no fix mends, and why. */
export interface Unfixable {
  finding: Finding;
  reason: string;
}

export interface FixPlan {
  /** Findings the policies' fixes mend, each with its edits (paths from the object root). */
  fixed: { finding: Finding; operations: FixOperation[] }[];
  /** Findings that remain: the policy declares no fix, its fix declined, or the finding is a policy error. */
  unfixable: Unfixable[];
  /** Findings (all of them), as `evaluate` made them. */
  findings: Finding[];
}

/**
 * The fixes for one object: evaluates it as the engine does and asks each violated policy's `fix` for the
 * edits that mend each violation. Pure, like `evaluate`: the caller applies the edits to its own copy
 * (the YAML document, for `kube-posture fix`).
 */
export function planFixes(input: EvaluationInput, registry: Registry, config: EngineConfig, runner: PolicyRunner = directRunner): FixPlan {
  // The violations behind the findings, per policy, in the order the engine turned them into findings.
  const violations = new Map<string, Violation[]>();
  const capturing: PolicyRunner = {
    run(policy, call) {
      const r = runner.run(policy, call);
      if (r.ok) violations.set(policy.id, r.violations);
      return r;
    },
  };
  const result = evaluate(input, registry, config, { runner: capturing });
  const fixed: FixPlan['fixed'] = [];
  const unfixable: Unfixable[] = [];
  const seen = new Map<string, number>();
  const pod = podSubjectOf(input.object, input.kind);
  for (const finding of result.findings) {
    if (finding.kind === 'error') {
      unfixable.push({ finding, reason: 'the policy failed on this object' });
      continue;
    }
    const n = seen.get(finding.policyId) ?? 0;
    seen.set(finding.policyId, n + 1);
    const v = violations.get(finding.policyId)?.[n];
    const policy = registry.policies.get(finding.policyId)?.policy;
    if (v === undefined || policy === undefined || policy.target === 'cluster' || policy.fix === undefined) {
      unfixable.push({ finding, reason: 'the policy declares no mechanical fix' });
      continue;
    }
    const params = (config.policies.get(policy.id)?.params ?? {}) as Record<string, unknown>;
    const ctx: CheckContext = { params, version: config.pssVersion, input };
    let ops: FixOperation[];
    let root: readonly PathSegment[] = [];
    try {
      if (policy.target === 'pod') {
        if (pod === undefined) throw new Error('no pod in the object');
        root = pod.root;
        ops = policy.fix(pod, v, ctx);
      } else {
        ops = policy.fix(input.object as never, v, ctx);
      }
      if (!Array.isArray(ops)) throw new Error('fix did not return a list');
    } catch (err) {
      unfixable.push({ finding, reason: `the policy's fix failed: ${errorMessage(err)}` });
      continue;
    }
    if (ops.length === 0) {
      unfixable.push({ finding, reason: 'not mechanically fixable: a person has to decide' });
      continue;
    }
    fixed.push({ finding, operations: ops.map((op) => ({ ...op, path: [...root, ...op.path] })) });
  }
  return { fixed, unfixable, findings: result.findings };
}

/** `fix` for policies whose remedy is one value at the violation's own path (`privileged: false`). */
export function setAtViolation(value: unknown): (subject: unknown, violation: Violation) => FixOperation[] {
  return (_subject, violation) => [{ op: 'set', path: [...violation.path], value }];
}
