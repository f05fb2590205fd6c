import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-serviceaccount-token-create',
  title: 'Roles should not grant creating service account tokens',
  description:
    'Flags Role and ClusterRole rules that grant `create` on serviceaccounts/token in the core group, directly or through `*`. ' +
    'The TokenRequest API mints a token for a service account, and with it every right that service account holds. ' +
    'A rule limited by resourceNames is still flagged (the named accounts are the ones whose rights are handed out). The control plane\'s own system: roles are exempt by default.',
  severity: 'high',
  controls: ['cis-k8s:5.1.13', 'nsa:authentication-authorization', 'mitre:T1528', 'mitre:T1078.001'],
  remediation: 'Remove create on serviceaccounts/token; let pods receive tokens through projected volumes, and keep token minting for the components that issue them.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.serviceAccountToken,
  pointAt: 'resource',
  message: (g) => `rule grants ${describeGrants(g)}: minting tokens hands out the service accounts' rights; allowed is reading serviceaccounts, with pods getting tokens through projected volumes`,
});
