import { defineBindingPolicy, describeSubject, scopeOf, subjectFindings } from '../_lib/binding-policy.js';

export default defineBindingPolicy({
  id: 'rbac-no-anonymous-binding',
  title: 'Bindings must not grant rights to anonymous users',
  description:
    'Flags RoleBinding and ClusterRoleBinding subjects that are the User system:anonymous or the Group system:unauthenticated. ' +
    'Any request without credentials gets these rights, from anywhere the API server is reachable. ' +
    'The control plane\'s own bindings (system:public-info-viewer) are exempt by default.',
  severity: 'critical',
  controls: ['nsa:authentication-authorization', 'mitre:T1078.001', 'mitre:T1190'],
  remediation: 'Remove the anonymous subject; grant the rights to authenticated, named users, groups or service accounts.',
  defaultAction: 'deny',
  recommended: 'deny',
  checkBinding: (b) =>
    subjectFindings(b, (s) =>
      (s.kind === 'User' && s.name === 'system:anonymous') || (s.kind === 'Group' && s.name === 'system:unauthenticated')
        ? `${describeSubject(s)} is every unauthenticated request: it must not be granted ${JSON.stringify(b.roleRef.name)} ${scopeOf(b)}; bind named users, groups or service accounts instead`
        : undefined),
});
