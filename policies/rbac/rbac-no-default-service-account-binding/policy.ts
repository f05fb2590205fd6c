import { defineBindingPolicy, describeSubject, scopeOf, subjectFindings } from '../_lib/binding-policy.js';
import { serviceAccountOf } from '../../../src/sdk.js';

const SA_GROUP = 'system:serviceaccounts';

export default defineBindingPolicy({
  id: 'rbac-no-default-service-account-binding',
  title: 'Bindings should not grant rights to default service accounts',
  description:
    'Flags RoleBinding and ClusterRoleBinding subjects that are a namespace\'s default ServiceAccount (as a ServiceAccount subject or as the User system:serviceaccount:<ns>:default), ' +
    'and the Groups system:serviceaccounts and system:serviceaccounts:<ns>, which contain the default service accounts. ' +
    'Every Pod that names no service account runs as default, so rights given to it reach every such Pod. ' +
    'Allowed: dedicated service accounts. The control plane\'s own bindings are exempt by default.',
  severity: 'medium',
  controls: ['cis-k8s:5.1.5', 'nsa:authentication-authorization', 'mitre:T1078.001'],
  remediation: 'Create a dedicated ServiceAccount for the workload that needs the rights, bind that one, and set serviceAccountName in the workload.',
  defaultAction: 'warn',
  recommended: 'warn',
  checkBinding: (b) =>
    subjectFindings(b, (s) => {
      const sa = serviceAccountOf(s);
      if (sa !== undefined && sa.name === 'default') {
        return `${describeSubject(s)} is the default service account of namespace ${JSON.stringify(sa.namespace || '(unset)')}, used by every Pod that names no service account: it should not be granted ${JSON.stringify(b.roleRef.name)} ${scopeOf(b)}; bind a dedicated service account`;
      }
      if (s.kind === 'Group' && (s.name === SA_GROUP || s.name.startsWith(SA_GROUP + ':'))) {
        const which = s.name === SA_GROUP ? 'every service account in the cluster' : `every service account of namespace ${JSON.stringify(s.name.slice(SA_GROUP.length + 1))}`;
        return `${describeSubject(s)} is ${which}, default ones included: it should not be granted ${JSON.stringify(b.roleRef.name)} ${scopeOf(b)}; bind dedicated service accounts`;
      }
      return undefined;
    }),
});
