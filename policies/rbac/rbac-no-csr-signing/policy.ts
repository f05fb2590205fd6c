import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-csr-signing',
  title: 'Roles should not grant signing certificate signing requests',
  description:
    'Flags Role and ClusterRole rules that grant `update` or `patch` on certificatesigningrequests/status, or `sign` on signers, in certificates.k8s.io, directly or through `*`. ' +
    'A signer writes the issued certificate into the CSR status; a subject with these rights can hand out certificates the cluster trusts. ' +
    'The control plane\'s own system: roles are exempt by default.',
  severity: 'high',
  controls: ['cis-k8s:5.1.11', 'nsa:authentication-authorization', 'mitre:T1649'],
  remediation: 'Keep signing rights for the signer controller alone, limited with resourceNames to its own signer name.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.csrSigning,
  pointAt: 'resource',
  message: (g) => `rule grants ${describeGrants(g)}: signing writes trusted certificates into CSRs; allowed is reading certificatesigningrequests`,
});
