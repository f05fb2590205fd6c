import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-escalate-verb',
  title: 'Roles must not grant the escalate verb on roles',
  description:
    'Flags Role and ClusterRole rules that grant `escalate` on roles or clusterroles in rbac.authorization.k8s.io, directly or through `*` in verbs, resources or apiGroups. ' +
    'With escalate a subject can create or edit roles carrying permissions it does not hold itself, which defeats RBAC\'s escalation check. ' +
    'Allowed: every other verb on roles. The control plane\'s own system: roles are exempt by default.',
  severity: 'critical',
  controls: ['cis-k8s:5.1.8', 'nsa:authentication-authorization', 'mitre:T1078', 'mitre:T1098'],
  remediation: 'Remove "escalate" (and any "*" verb) from rules on roles and clusterroles; grant the exact permissions the subject needs instead.',
  defaultAction: 'deny',
  recommended: 'deny',
  permissions: () => RIGHTS.escalate,
  pointAt: 'verb',
  message: (g) => `rule grants ${describeGrants(g)}: the escalate verb lets a subject write roles with permissions it does not hold; remove it and grant only the verbs needed (get, list, watch, create, update, patch, delete)`,
});
