import { defineRolePolicy } from '../_lib/rule-policy.js';
import type { Violation } from '../../../src/sdk.js';

function groupsOf(rule: { apiGroups: { value: string }[] }): string {
  return rule.apiGroups.map((g) => (g.value === '' ? 'the core group' : JSON.stringify(g.value))).join(', ') || 'no API group';
}

/**
 * What "*" reaches in the rule's groups, said only where true: Secrets and pods/exec live in the core
 * group, so only a rule whose apiGroups include "" or "*" reaches them (a "*" on metrics.k8s.io does not).
 */
function wildcardReach(rule: { apiGroups: { value: string }[] }): string {
  const core = rule.apiGroups.some((g) => g.value === '' || g.value === '*');
  return core ? 'that includes Secrets, subresources such as pods/exec and resources added later' : 'that includes every subresource and resources added later to these groups';
}

export default defineRolePolicy<{ includeNonResourceURLs: boolean }>({
  id: 'rbac-no-wildcard-resources',
  title: 'Roles must not use "*" in resources',
  description:
    'Flags `*` and `*/<subresource>` entries in the resources of a Role or ClusterRole rule, and (unless includeNonResourceURLs is false) `*` or `/*` in nonResourceURLs. ' +
    'A wildcard resource covers Secrets, every subresource such as pods/exec, and resources added later by CRDs. ' +
    'Allowed: explicit resource names and URL prefixes such as "/metrics" or "/api/*". The control plane\'s own system: roles are exempt by default; aggregated ClusterRoles are judged through the roles they aggregate.',
  severity: 'high',
  controls: ['cis-k8s:5.1.3', 'nsa:authentication-authorization', 'mitre:T1078'],
  remediation: 'List the resources the subject needs (including the subresources, e.g. "deployments/scale") instead of "*".',
  defaultAction: 'deny',
  recommended: 'deny',
  parameters: {
    includeNonResourceURLs: { type: 'boolean', default: true, description: 'Also flag "*" and "/*" in nonResourceURLs.' },
  },
  checkRules: (rules, params) =>
    rules.flatMap((rule) => {
      const out: Violation[] = [];
      for (const r of rule.resources) {
        if (r.value === '*') out.push({ path: [...rule.path, 'resources', r.index], message: `rule grants every resource ("*") in ${groupsOf(rule)}: ${wildcardReach(rule)}; list the resources needed explicitly`, value: r.value });
        else if (r.value.startsWith('*/')) out.push({ path: [...rule.path, 'resources', r.index], message: `rule grants the ${JSON.stringify(r.value.slice(2))} subresource of every resource (${JSON.stringify(r.value)}) in ${groupsOf(rule)}; list the resources whose subresource is needed, e.g. "deployments/${r.value.slice(2)}"`, value: r.value });
      }
      if (params.includeNonResourceURLs !== false) {
        for (const u of rule.nonResourceURLs) {
          if (u.value === '*' || u.value === '/*') out.push({ path: [...rule.path, 'nonResourceURLs', u.index], message: `rule grants every non-resource URL (${JSON.stringify(u.value)}): list the URLs needed, e.g. "/metrics" or "/healthz"`, value: u.value });
        }
      }
      return out;
    }),
});
