import { defineRolePolicy } from '../_lib/rule-policy.js';

export default defineRolePolicy({
  id: 'rbac-no-wildcard-api-groups',
  title: 'Roles must not use "*" in apiGroups',
  description:
    'Flags every `*` entry in the apiGroups of a Role or ClusterRole rule. A wildcard group makes a resource name match in every API group, ' +
    'including groups installed later by CRDs that reuse the same resource names. Allowed: explicit groups, with "" for the core group. ' +
    'The control plane\'s own system: roles are exempt by default; aggregated ClusterRoles are judged through the roles they aggregate.',
  severity: 'medium',
  controls: ['cis-k8s:5.1.3', 'nsa:authentication-authorization', 'mitre:T1078'],
  remediation: 'Replace "*" with the API groups the resources live in, e.g. [""] for pods and secrets, ["apps"] for deployments.',
  defaultAction: 'deny',
  recommended: 'deny',
  checkRules: (rules) =>
    rules.flatMap((rule) =>
      rule.apiGroups
        .filter((g) => g.value === '*')
        .map((g) => ({
          path: [...rule.path, 'apiGroups', g.index],
          message: `rule applies to every API group ("*") for resources ${rule.resources.map((r) => JSON.stringify(r.value)).join(', ') || '(none)'}: list the groups explicitly ("" is the core group)`,
          value: g.value,
        })),
    ),
});
