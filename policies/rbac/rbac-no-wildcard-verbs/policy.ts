import { defineRolePolicy } from '../_lib/rule-policy.js';

/** What a rule is about, for messages: its resources, or its non-resource URLs. */
function scopeOf(rule: { resources: { value: string }[]; nonResourceURLs: { value: string }[] }): string {
  if (rule.resources.length > 0) return `resources ${rule.resources.map((r) => JSON.stringify(r.value)).join(', ')}`;
  if (rule.nonResourceURLs.length > 0) return `URLs ${rule.nonResourceURLs.map((r) => JSON.stringify(r.value)).join(', ')}`;
  return 'its resources';
}

export default defineRolePolicy({
  id: 'rbac-no-wildcard-verbs',
  title: 'Roles must not use "*" in verbs',
  description:
    'Flags every `*` entry in the verbs of a Role or ClusterRole rule. A wildcard verb grants every verb, including escalate, bind, impersonate, deletecollection and verbs added by future API versions. ' +
    'Allowed: explicit verbs. The control plane\'s own system: roles (cluster-admin among them) are exempt by default; aggregated ClusterRoles are judged through the roles they aggregate.',
  severity: 'high',
  controls: ['cis-k8s:5.1.3', 'nsa:authentication-authorization', 'mitre:T1078'],
  remediation: 'Replace "*" with the verbs the subject needs, e.g. ["get", "list", "watch"] for readers or ["get", "list", "watch", "create", "update", "patch", "delete"] for writers.',
  defaultAction: 'deny',
  recommended: 'deny',
  checkRules: (rules) =>
    rules.flatMap((rule) =>
      rule.verbs
        .filter((v) => v.value === '*')
        .map((v) => ({
          path: [...rule.path, 'verbs', v.index],
          message: `rule grants every verb ("*") on ${scopeOf(rule)}: a wildcard also grants escalate, bind, impersonate and future verbs; list the verbs needed explicitly`,
          value: v.value,
        })),
    ),
});
