import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-ephemeral-containers',
  title: 'Roles should not grant adding ephemeral containers',
  description:
    'Flags Role and ClusterRole rules that grant `update` or `patch` on pods/ephemeralcontainers in the core group, directly or through `*`. ' +
    'An ephemeral container (kubectl debug) runs a new image inside an existing Pod, sharing its namespaces, volumes and service account. ' +
    'The control plane\'s own system: roles are exempt by default.',
  severity: 'high',
  controls: ['nsa:authentication-authorization', 'mitre:T1609', 'mitre:T1610'],
  remediation: 'Remove update and patch on pods/ephemeralcontainers, or keep it in a break-glass debugging role; pair it with Pod Security admission so debug containers cannot be privileged.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.ephemeralContainers,
  pointAt: 'resource',
  message: (g) => `rule grants ${describeGrants(g)}: ephemeral containers run new code inside existing Pods with their credentials; allowed is reading pods/ephemeralcontainers`,
});
