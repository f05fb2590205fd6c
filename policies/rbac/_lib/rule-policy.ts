import {
  defineObjectPolicy, findGrants, hasAggregationRule, rulesOf,
  type Grant, type ObjectPolicy, type Permission, type PolicyMetadata, type RuleView, type Violation,
} from '../../../src/sdk.js';
import { SYSTEM_EXEMPTION_PARAMETERS, isExemptRbacObject, type SystemExemptionParams } from './system-exemption.js';

export const ROLE_KINDS = ['Role.rbac.authorization.k8s.io', 'ClusterRole.rbac.authorization.k8s.io'];
export const BINDING_KINDS = ['RoleBinding.rbac.authorization.k8s.io', 'ClusterRoleBinding.rbac.authorization.k8s.io'];

export type RulePolicySpec<P> = Omit<PolicyMetadata, 'category' | 'parameters' | 'prepare'> & {
  /** The permissions that make a rule dangerous; may depend on the parameters. */
  permissions: (params: P & SystemExemptionParams) => readonly Permission[];
  /** Point the finding at the verb entry (verb-centred rights) or at the resource entry. */
  pointAt: 'verb' | 'resource';
  /** Rules limited to named objects (resourceNames) are left alone when this returns true. */
  skipNamed?: (params: P & SystemExemptionParams) => boolean;
  /** What is wrong with one rule, given its grants (all from that rule), and what is allowed instead. */
  message: (grants: Grant[]) => string;
  /** Extra parameter schema properties (with defaults). */
  parameters?: Record<string, unknown>;
};

/** Verbs and resources a rule's grants cover, e.g. `"get", "list" on "secrets"` or `"bind" on "roles", "clusterroles" in API group "rbac.authorization.k8s.io"`. */
export function describeGrants(grants: readonly Grant[]): string {
  const verbs = [...new Set(grants.map((g) => JSON.stringify(g.grantedVerb)))].join(', ');
  const byGroup = new Map<string, Set<string>>();
  for (const g of grants) byGroup.set(g.permission.group, (byGroup.get(g.permission.group) ?? new Set()).add(JSON.stringify(g.grantedResource)));
  const resources = [...byGroup].map(([group, rs]) => `${[...rs].join(', ')}${group === '' ? '' : ` in API group ${JSON.stringify(group)}`}`).join('; ');
  const viaWildcard = grants.some((g) => g.verb.value === '*' || g.resource.value !== g.grantedResource || g.apiGroup.value === '*');
  return `${verbs} on ${resources}${viaWildcard ? ' (through a wildcard)' : ''}`;
}

function pathOf(g: Grant, pointAt: 'verb' | 'resource'): Violation['path'] {
  return pointAt === 'verb' ? [...g.rule.path, 'verbs', g.verb.index] : [...g.rule.path, 'resources', g.resource.index];
}

/**
 * A policy over the rules of Roles and ClusterRoles: one finding per rule that grants any of the
 * permissions, pointing at the first entry that grants it. The control plane's own roles and
 * aggregated ClusterRoles (whose rules the aggregation controller writes) are skipped; the
 * ClusterRoles they aggregate are checked on their own.
 */
export function defineRulePolicy<P = Record<string, unknown>>(spec: RulePolicySpec<P>): ObjectPolicy<P & SystemExemptionParams> {
  const { permissions, pointAt, skipNamed, message, ...rest } = spec;
  return defineRolePolicy<P>({
    ...rest,
    checkRules(rules, params) {
      const skip = skipNamed?.(params) ?? false;
      const grants = findGrants(rules, permissions(params)).filter((g) => !(skip && g.named));
      const byRule = new Map<number, Grant[]>();
      for (const g of grants) byRule.set(g.rule.index, [...(byRule.get(g.rule.index) ?? []), g]);
      return [...byRule.values()].map((ruleGrants) => {
        const at = (g: Grant): number => (pointAt === 'verb' ? g.verb.index : g.resource.index);
        const first = ruleGrants.reduce((a, b) => (at(b) < at(a) ? b : a));
        const entry = pointAt === 'verb' ? first.verb : first.resource;
        return { path: pathOf(first, pointAt), message: message(ruleGrants), value: entry.value };
      });
    },
  });
}

export type RolePolicySpec<P> = Omit<PolicyMetadata, 'category' | 'parameters' | 'prepare'> & {
  parameters?: Record<string, unknown>;
  /** Findings for the rules of one Role or ClusterRole that is not exempt and not aggregated. */
  checkRules: (rules: RuleView[], params: P & SystemExemptionParams) => Violation[];
};

/** A policy over the rules of Roles and ClusterRoles with its own matching, under the same exemptions. */
export function defineRolePolicy<P = Record<string, unknown>>(spec: RolePolicySpec<P>): ObjectPolicy<P & SystemExemptionParams> {
  const { checkRules, parameters, ...meta } = spec;
  return defineObjectPolicy<P & SystemExemptionParams>({
    ...meta,
    category: 'rbac',
    match: { kinds: ROLE_KINDS },
    parameters: { type: 'object', additionalProperties: false, properties: { ...SYSTEM_EXEMPTION_PARAMETERS, ...(parameters ?? {}) } },
    check(object, ctx) {
      if (isExemptRbacObject(object, ctx.params, ctx.input.userInfo)) return [];
      if (hasAggregationRule(object)) return [];
      return checkRules(rulesOf(object), ctx.params);
    },
  });
}
