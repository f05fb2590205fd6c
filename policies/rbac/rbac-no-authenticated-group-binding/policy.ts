import { defineBindingPolicy, describeSubject, scopeOf, subjectFindings } from '../_lib/binding-policy.js';

export default defineBindingPolicy({
  id: 'rbac-no-authenticated-group-binding',
  title: 'Bindings should not grant rights to every authenticated user',
  description:
    'Flags RoleBinding and ClusterRoleBinding subjects that are the Group system:authenticated. Every identity the cluster accepts is in it: ' +
    'all service accounts, every node, and on some managed clusters any account of the cloud provider. ' +
    'The control plane\'s own bindings (system:basic-user, system:discovery, system:public-info-viewer) are exempt by default.',
  severity: 'high',
  controls: ['nsa:authentication-authorization', 'mitre:T1078'],
  remediation: 'Bind a specific group, user or service account instead of system:authenticated.',
  defaultAction: 'warn',
  recommended: 'warn',
  checkBinding: (b) =>
    subjectFindings(b, (s) =>
      s.kind === 'Group' && s.name === 'system:authenticated'
        ? `${describeSubject(s)} includes every service account, node and user the cluster accepts: it should not be granted ${JSON.stringify(b.roleRef.name)} ${scopeOf(b)}; bind specific groups or service accounts`
        : undefined),
});
