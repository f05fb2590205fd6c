import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy<{ allowNamedSecrets: boolean }>({
  id: 'rbac-no-secrets-read',
  title: 'Roles should not grant read access to Secrets',
  description:
    'Flags Role and ClusterRole rules that grant get, list or watch on secrets in the core group, directly or through `*`. ' +
    'list and watch return the contents of every Secret in scope, including service account tokens. ' +
    'Allowed: rules limited to named Secrets with resourceNames (unless allowNamedSecrets is false). The control plane\'s own system: roles are exempt by default.',
  severity: 'high',
  controls: ['cis-k8s:5.1.2', 'nsa:authentication-authorization', 'mitre:T1552.007', 'mitre:T1528'],
  remediation: 'Remove get, list and watch on secrets, or limit the rule to the Secrets the workload needs with resourceNames; prefer mounting Secrets into the pod over reading them through the API.',
  defaultAction: 'warn',
  recommended: 'warn',
  parameters: {
    allowNamedSecrets: { type: 'boolean', default: true, description: 'Accept rules limited to named Secrets with resourceNames.' },
  },
  permissions: () => RIGHTS.secretsRead,
  skipNamed: (p) => p.allowNamedSecrets !== false,
  pointAt: 'verb',
  message: (g) => `rule grants ${describeGrants(g)}: reading Secrets through the API exposes credentials; allowed are rules limited to named Secrets with resourceNames`,
});
