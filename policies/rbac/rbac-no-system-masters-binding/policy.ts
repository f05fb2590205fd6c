import { defineBindingPolicy, describeSubject, subjectFindings } from '../_lib/binding-policy.js';

export default defineBindingPolicy({
  id: 'rbac-no-system-masters-binding',
  title: 'Bindings must not name the system:masters group',
  description:
    'Flags RoleBinding and ClusterRoleBinding subjects that are the Group system:masters. Members of system:masters bypass authorization entirely and cannot be restricted by RBAC; ' +
    'a binding naming the group is either meaningless or a sign that credentials in that group are being issued and relied upon. ' +
    'The bootstrapped cluster-admin binding is exempt by default with the other system objects.',
  severity: 'high',
  controls: ['cis-k8s:5.1.7', 'nsa:authentication-authorization', 'mitre:T1078'],
  remediation: 'Remove the system:masters subject and bind a named group of administrators to an appropriate role; avoid issuing credentials in system:masters.',
  defaultAction: 'deny',
  recommended: 'deny',
  checkBinding: (b) =>
    subjectFindings(b, (s) =>
      s.kind === 'Group' && s.name === 'system:masters'
        ? `${describeSubject(s)} bypasses RBAC altogether and must not be used; bind a dedicated administrators group to a role instead`
        : undefined),
});
