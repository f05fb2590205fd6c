import { shapeValidator } from './shape-validator.js';
import { defaultsOf } from './schema-policy.js';
import { paramsErrorsText, paramsValidator } from './params-validator.js';
import { isAnyKind, kindKey, lookupKind, parseKindRef, type GroupKind } from './kinds.js';
import { VIEW_KINDS } from './view/extract.js';
import { modulePolicySchema } from './policy-metadata-schema.js';
import type { Problem } from './errors.js';
import { errorMessage } from './errors.js';
import type { Action, ClusterPolicy, Operation, Policy, PolicySource, RegisteredPolicy } from './types.js';
import { isRecord } from './safe.js';

export interface Registry {
  readonly policies: ReadonlyMap<string, RegisteredPolicy>;
  /** Built-in profiles: policy id -> action. */
  readonly profiles: ReadonlyMap<string, ReadonlyMap<string, Action>>;
}

export interface PolicyCandidate {
  policy: unknown;
  source: PolicySource;
}

const validateModuleShape = shapeValidator(modulePolicySchema);
const DEFAULT_OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE'];

/** Validates one policy; returns its registration or the reasons it cannot be registered. */
export function registerPolicy(candidate: PolicyCandidate): { ok: true; value: RegisteredPolicy } | { ok: false; problems: Problem[] } {
  const { policy, source } = candidate;
  const problem = (message: string, id?: string): Problem => ({ code: 'KP_ERR_POLICY_INVALID', message, file: source.file, ...(id ? { path: id } : {}) });
  if (!isRecord(policy)) return { ok: false, problems: [problem('policy module must export a policy object as its default export')] };
  const id = typeof policy.id === 'string' ? policy.id : undefined;
  if (!validateModuleShape(policy)) {
    const problems = (validateModuleShape.errors ?? []).map((e) => problem(`${e.instancePath || '(policy)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`, id));
    return { ok: false, problems };
  }
  const p = policy as unknown as Policy;
  const problems: Problem[] = [];
  if (typeof p.check !== 'function') problems.push(problem('check must be a function', id));
  const fix = (policy as { fix?: unknown }).fix;
  if (fix !== undefined && (typeof fix !== 'function' || p.target === 'cluster')) problems.push(problem(p.target === 'cluster' ? 'cluster policies cannot declare a fix' : 'fix must be a function', id));
  let kinds: GroupKind[] = [];
  let viewKinds: GroupKind[] = [];
  if (p.target === 'object') {
    if (!p.match || !Array.isArray(p.match.kinds) || p.match.kinds.length === 0) problems.push(problem('object policies must list match.kinds', id));
    else {
      kinds = p.match.kinds.map(parseKindRef);
      for (const [i, gk] of kinds.entries()) if (!isAnyKind(gk) && !lookupKind(gk)) problems.push(problem(`match.kinds[${i}] names an unknown kind ${JSON.stringify(p.match.kinds[i])}`, id));
    }
  } else if (p.target === 'cluster') {
    viewKinds = clusterPolicyProblems(p, (m) => problems.push(problem(m, id)));
  } else if (p.match && 'kinds' in p.match) {
    problems.push(problem('pod policies apply to every pod-bearing kind and must not list match.kinds', id));
  }
  if (p.target !== 'cluster' && 'viewKinds' in p) problems.push(problem('only cluster policies (target: cluster) list viewKinds', id));
  // A user policy's defaults are checked as it loads. The built-in library's are checked by its tests
  // (test/library/fixtures.test.ts), not again by every scan that starts.
  if (p.parameters !== undefined && source.origin === 'user') {
    try {
      const validateParams = paramsValidator(p.parameters);
      const defaults = defaultsOf(p.parameters);
      if (!validateParams(defaults)) problems.push(problem(`parameter defaults do not satisfy the parameter schema: ${paramsErrorsText(validateParams)}`, id));
    } catch (err) {
      problems.push(problem(`parameter schema does not compile: ${errorMessage(err)}`, id));
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: Object.freeze({
      policy: p,
      source,
      kinds,
      viewKinds,
      // A cluster policy runs over the view, never on an operation: the webhook has nothing to intercept for it.
      operations: p.target === 'cluster' ? [] : p.match?.operations ?? DEFAULT_OPERATIONS,
      subResources: p.target === 'cluster' ? [] : p.match?.subResources ?? [],
    }),
  };
}

const VIEW_KIND_KEYS = new Set(VIEW_KINDS.map((k) => kindKey(parseKindRef(k))));

/** Checks what only a cluster policy has; returns its parsed view kinds. */
function clusterPolicyProblems(p: ClusterPolicy, report: (message: string) => void): GroupKind[] {
  if ('match' in p) report('cluster policies read the cluster view: list the kinds they read in viewKinds, not match');
  if (p.pss !== undefined) report('a Pod Security Standards check judges one pod: it cannot be a cluster policy');
  if (!Array.isArray(p.viewKinds) || p.viewKinds.length === 0) {
    report('cluster policies must list viewKinds (the kinds they read from the cluster view)');
    return [];
  }
  const kinds = p.viewKinds.map(parseKindRef);
  kinds.forEach((gk, i) => {
    if (!VIEW_KIND_KEYS.has(kindKey(gk))) report(`viewKinds[${i}] names ${JSON.stringify(p.viewKinds[i])}, which the cluster view does not hold; it holds ${VIEW_KINDS.join(', ')}`);
  });
  return kinds;
}

/**
 * Builds the registry from validated policies. Duplicate ids are problems, never silently
 * shadowed: the first one wins and the duplicate is reported with both files.
 */
export function buildRegistry(registered: readonly RegisteredPolicy[]): { registry: Registry; problems: Problem[] } {
  const policies = new Map<string, RegisteredPolicy>();
  const problems: Problem[] = [];
  for (const r of registered) {
    const existing = policies.get(r.policy.id);
    if (existing) {
      problems.push({ code: 'KP_ERR_POLICY_DUPLICATE', message: `policy id ${r.policy.id} is already defined in ${existing.source.file}`, file: r.source.file, path: r.policy.id });
      continue;
    }
    policies.set(r.policy.id, r);
  }
  for (const r of policies.values()) {
    for (const s of r.policy.pss?.supersedes ?? []) {
      if (!policies.has(s.policy)) problems.push({ code: 'KP_ERR_POLICY_INVALID', message: `supersedes unknown policy ${s.policy}`, file: r.source.file, path: r.policy.id });
    }
  }
  return { registry: { policies, profiles: builtinProfiles(policies) }, problems };
}

export const PROFILE_NAMES = ['recommended', 'pss-baseline', 'pss-restricted', 'all', 'none'] as const;

/**
 * Profiles are derived from metadata, so adding a policy folder is enough to place it:
 * `pss-baseline`/`pss-restricted` are exactly the Pod Security Standards checks of that level,
 * `recommended` is every policy that names an action for it, `all` is everything at its default.
 */
function builtinProfiles(policies: ReadonlyMap<string, RegisteredPolicy>): Map<string, Map<string, Action>> {
  const profiles = new Map<string, Map<string, Action>>(PROFILE_NAMES.map((n) => [n, new Map()]));
  for (const { policy } of policies.values()) {
    if (policy.recommended) profiles.get('recommended')!.set(policy.id, policy.recommended);
    profiles.get('all')!.set(policy.id, policy.defaultAction);
    if (policy.pss?.level === 'baseline') profiles.get('pss-baseline')!.set(policy.id, 'deny');
    if (policy.pss) profiles.get('pss-restricted')!.set(policy.id, 'deny');
  }
  return profiles;
}

/** Policy ids of the Pod Security Standards checks at a level (restricted includes baseline). */
export function pssPolicyIds(registry: Registry, level: 'privileged' | 'baseline' | 'restricted'): string[] {
  if (level === 'privileged') return [];
  return [...(registry.profiles.get(level === 'baseline' ? 'pss-baseline' : 'pss-restricted') ?? new Map()).keys()];
}
