import { defineBindingPolicy, scopeOf } from '../_lib/binding-policy.js';

export default defineBindingPolicy<{ privilegedRoles: string[] }>({
  id: 'rbac-no-cluster-admin-binding',
  title: 'Bindings must not grant cluster-admin',
  description:
    'Flags RoleBindings and ClusterRoleBindings whose roleRef is the ClusterRole cluster-admin (or another role listed in privilegedRoles). ' +
    'Through a ClusterRoleBinding it is full control of the cluster; through a RoleBinding full control of the namespace, its RBAC included. ' +
    'The bootstrapped cluster-admin binding of system:masters is exempt by default with the other system objects.',
  severity: 'critical',
  controls: ['cis-k8s:5.1.1', 'nsa:authentication-authorization', 'mitre:T1078', 'mitre:T1098'],
  remediation: 'Bind a role with only the permissions the subjects need (the built-in admin, edit or view, or a custom role); keep cluster-admin for a break-glass binding listed in exemptNames.',
  defaultAction: 'deny',
  recommended: 'deny',
  parameters: {
    privilegedRoles: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['cluster-admin'], description: 'ClusterRoles that must not be bound.' },
  },
  checkBinding: (b, params) => {
    const roles = Array.isArray(params.privilegedRoles) ? params.privilegedRoles : ['cluster-admin'];
    if (b.roleRef.kind !== 'ClusterRole' || !roles.includes(b.roleRef.name)) return [];
    const subjects = b.subjects.length === 1 ? '1 subject' : `${b.subjects.length} subjects`;
    return [{
      path: ['roleRef', 'name'],
      message: `${b.kind} grants ClusterRole ${JSON.stringify(b.roleRef.name)} to ${subjects} ${scopeOf(b)}: that is unrestricted control; bind a role with only the permissions needed (admin, edit, view or a custom role)`,
      value: b.roleRef.name,
    }];
  },
});
