import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-csr-approval',
  title: 'Roles should not grant approving certificate signing requests',
  description:
    'Flags Role and ClusterRole rules that grant `update` or `patch` on certificatesigningrequests/approval, or `approve` on signers, in certificates.k8s.io, directly or through `*`. ' +
    'Approving a CSR for the kube-apiserver-client signer issues a client certificate for any user and group, system:masters included. ' +
    'Both permissions are needed to approve; either one is flagged. The control plane\'s own system: roles are exempt by default.',
  severity: 'high',
  controls: ['cis-k8s:5.1.11', 'nsa:authentication-authorization', 'mitre:T1649', 'mitre:T1078'],
  remediation: 'Remove the approval permissions; leave CSR approval to the control plane\'s approvers, or limit approve on signers with resourceNames to a signer that cannot issue cluster credentials.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.csrApproval,
  pointAt: 'resource',
  message: (g) => `rule grants ${describeGrants(g)}: approving CSRs can issue client certificates for any identity; allowed is reading and creating certificatesigningrequests`,
});
