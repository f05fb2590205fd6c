import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-bind-verb',
  title: 'Roles must not grant the bind verb on roles',
  description:
    'Flags Role and ClusterRole rules that grant `bind` on roles or clusterroles in rbac.authorization.k8s.io, directly or through `*`. ' +
    'With bind a subject can create RoleBindings and ClusterRoleBindings to roles whose permissions it does not hold, cluster-admin included. ' +
    'A rule limited by resourceNames is still flagged: the names are the roles that may be bound, and they are often the powerful ones. ' +
    'Allowed: every other verb on roles. The control plane\'s own system: roles are exempt by default.',
  severity: 'critical',
  controls: ['cis-k8s:5.1.8', 'nsa:authentication-authorization', 'mitre:T1078', 'mitre:T1098'],
  remediation: 'Remove "bind" (and any "*" verb) from rules on roles and clusterroles. Subjects that create bindings need only the permissions of the role they bind.',
  defaultAction: 'deny',
  recommended: 'deny',
  permissions: () => RIGHTS.bind,
  pointAt: 'verb',
  message: (g) => `rule grants ${describeGrants(g)}: the bind verb lets a subject bind roles with permissions it does not hold; remove it and let subjects bind only roles whose permissions they already have`,
});
