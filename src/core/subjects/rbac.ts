import type { PathSegment } from '../path.js';
import { asArray, asString, getIn, isRecord } from '../safe.js';
import { sanitizeSelector, type LabelSelector } from '../selectors.js';

/**
 * Reading RBAC objects (Role, ClusterRole, RoleBinding, ClusterRoleBinding) the way the Kubernetes
 * RBAC authorizer reads them, for policies that ask "does this rule grant X?".
 *
 * Matching follows k8s.io/kubernetes/pkg/apis/rbac/v1/evaluation_helpers.go:
 *   - a verb matches when the rule lists it or `*`;
 *   - an API group matches when the rule lists it or `*` (the core group is the empty string `""`);
 *   - a resource matches when the rule lists `*`, the exact `resource[/subresource]`, or `*​/subresource`
 *     for a requested subresource. `pods` does not grant `pods/exec`; `*` does.
 * Everything is total: entries of the wrong type are skipped but keep their index, so that paths
 * point at the real position in the object.
 *
 * Only mechanics live here. What is compliant (which roles are exempt as the control plane's own,
 * which rights are dangerous) is the policies' business and lives in policies/rbac/_lib/.
 */

/** A string in a list together with its position in the object's list. */
export interface Indexed { value: string; index: number }

export interface RuleView {
  index: number;
  /** ['rules', index] */
  path: PathSegment[];
  apiGroups: Indexed[];
  resources: Indexed[];
  verbs: Indexed[];
  resourceNames: Indexed[];
  nonResourceURLs: Indexed[];
}

function indexedStrings(value: unknown): Indexed[] {
  const out: Indexed[] = [];
  asArray(value).forEach((v, index) => {
    if (typeof v === 'string') out.push({ value: v, index });
  });
  return out;
}

/** The rules of a Role or ClusterRole; entries that are not objects are skipped. */
export function rulesOf(object: unknown): RuleView[] {
  const out: RuleView[] = [];
  asArray(getIn(object, ['rules'])).forEach((rule, index) => {
    if (!isRecord(rule)) return;
    out.push({
      index,
      path: ['rules', index],
      apiGroups: indexedStrings(rule.apiGroups),
      resources: indexedStrings(rule.resources),
      verbs: indexedStrings(rule.verbs),
      resourceNames: indexedStrings(rule.resourceNames),
      nonResourceURLs: indexedStrings(rule.nonResourceURLs),
    });
  });
  return out;
}

export function verbMatches(ruleVerb: string, requested: string): boolean {
  return ruleVerb === '*' || ruleVerb === requested;
}

export function apiGroupMatches(ruleGroup: string, requested: string): boolean {
  return ruleGroup === '*' || ruleGroup === requested;
}

/**
 * Does a rule's resource entry cover the requested `resource` or `resource/subresource`?
 * A requested `resource/*` (our notation, not Kubernetes') means "any subresource of resource",
 * for families such as `userextras/<key>` whose subresource names are open-ended.
 */
export function resourceMatches(ruleResource: string, requested: string): boolean {
  if (ruleResource === '*' || ruleResource === requested) return true;
  const slash = requested.indexOf('/');
  if (slash === -1) return false;
  const base = requested.slice(0, slash);
  const sub = requested.slice(slash + 1);
  if (sub === '*') return ruleResource.startsWith(base + '/') || (ruleResource.startsWith('*/') && ruleResource.length > 2);
  return ruleResource === '*/' + sub;
}

/** A permission a policy looks for: any of `verbs` on any of `resources` in `group`. */
export interface Permission {
  group: string;
  resources: readonly string[];
  /** Verbs that make the permission; `undefined` means any verb at all. */
  verbs?: readonly string[];
}

/** One way a rule grants a permission, with the entries that grant it. */
export interface Grant {
  rule: RuleView;
  permission: Permission;
  verb: Indexed;
  /** The verb the rule grants (the requested one, even when the rule says `*`). */
  grantedVerb: string;
  resource: Indexed;
  grantedResource: string;
  apiGroup: Indexed;
  /** True when the rule is limited to named objects (resourceNames). */
  named: boolean;
}

/**
 * Every (verb, resource) of `permission` the rule grants, first match per requested pair.
 * The result is empty for rules that only list nonResourceURLs.
 */
export function grantsOf(rule: RuleView, permission: Permission): Grant[] {
  const apiGroup = rule.apiGroups.find((g) => apiGroupMatches(g.value, permission.group));
  if (apiGroup === undefined) return [];
  const named = rule.resourceNames.length > 0;
  const out: Grant[] = [];
  for (const wanted of permission.resources) {
    const resource = rule.resources.find((r) => resourceMatches(r.value, wanted));
    if (resource === undefined) continue;
    // For an open family (`userextras/*`) the rule's own entry names what is granted, unless it is a wildcard.
    const requested = wanted.endsWith('/*') && !resource.value.startsWith('*') ? resource.value : wanted;
    if (permission.verbs === undefined) {
      const verb = rule.verbs[0];
      if (verb !== undefined) out.push({ rule, permission, verb, grantedVerb: verb.value, resource, grantedResource: requested, apiGroup, named });
      continue;
    }
    for (const v of permission.verbs) {
      const verb = rule.verbs.find((rv) => verbMatches(rv.value, v));
      if (verb !== undefined) out.push({ rule, permission, verb, grantedVerb: v, resource, grantedResource: requested, apiGroup, named });
    }
  }
  return out;
}

/** Grants of any of the permissions, over all rules. */
export function findGrants(rules: readonly RuleView[], permissions: readonly Permission[]): Grant[] {
  return rules.flatMap((r) => permissions.flatMap((p) => grantsOf(r, p)));
}

/** Aggregated ClusterRoles get their rules from the aggregation controller, not from their author. */
export function hasAggregationRule(object: unknown): boolean {
  return isRecord(getIn(object, ['aggregationRule']));
}

// ---------------------------------------------------------------------------------------------
// Bindings

export interface SubjectView {
  index: number;
  path: PathSegment[];
  kind: string;
  name: string;
  /** The namespace the subject lives in; for a ServiceAccount in a RoleBinding it defaults to the binding's. */
  namespace: string;
}

export function subjectsOf(binding: unknown): SubjectView[] {
  const bindingKind = asString(getIn(binding, ['kind'])) ?? '';
  const bindingNs = asString(getIn(binding, ['metadata', 'namespace'])) ?? '';
  const out: SubjectView[] = [];
  asArray(getIn(binding, ['subjects'])).forEach((s, index) => {
    if (!isRecord(s)) return;
    const kind = asString(s.kind) ?? '';
    const ns = asString(s.namespace) ?? '';
    out.push({
      index,
      path: ['subjects', index],
      kind,
      name: asString(s.name) ?? '',
      namespace: ns === '' && kind === 'ServiceAccount' && bindingKind === 'RoleBinding' ? bindingNs : ns,
    });
  });
  return out;
}

export interface RoleRefView { kind: string; name: string }

export function roleRefOf(binding: unknown): RoleRefView {
  return { kind: asString(getIn(binding, ['roleRef', 'kind'])) ?? '', name: asString(getIn(binding, ['roleRef', 'name'])) ?? '' };
}

export const SA_USER_PREFIX = 'system:serviceaccount:';

/** The service account a subject names, whether as a ServiceAccount or as its `system:serviceaccount:` user. */
export function serviceAccountOf(subject: SubjectView): { namespace: string; name: string } | undefined {
  if (subject.kind === 'ServiceAccount') return { namespace: subject.namespace, name: subject.name };
  if (subject.kind === 'User' && subject.name.startsWith(SA_USER_PREFIX)) {
    const rest = subject.name.slice(SA_USER_PREFIX.length);
    const colon = rest.indexOf(':');
    if (colon > 0) return { namespace: rest.slice(0, colon), name: rest.slice(colon + 1) };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Aggregation

/** The aggregation selectors of a ClusterRole, each with its path. */
export function aggregationSelectorsOf(object: unknown): { index: number; path: PathSegment[]; selector: LabelSelector }[] {
  const out: { index: number; path: PathSegment[]; selector: LabelSelector }[] = [];
  asArray(getIn(object, ['aggregationRule', 'clusterRoleSelectors'])).forEach((s, index) => {
    const selector = sanitizeSelector(s);
    if (selector !== undefined) out.push({ index, path: ['aggregationRule', 'clusterRoleSelectors', index], selector });
  });
  return out;
}
