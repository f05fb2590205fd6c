import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-pod-exec-attach',
  title: 'Roles should not grant exec or attach into Pods',
  description:
    'Flags Role and ClusterRole rules that grant `create` or `get` on pods/exec or pods/attach in the core group, directly or through `*`. ' +
    'exec and attach run commands inside running containers, with their service account token, mounted Secrets and network position. ' +
    '`get` counts because the WebSocket form of these requests is a GET, which older API servers authorize with the get verb. ' +
    'Allowed: pods/log and other read-only subresources. The control plane\'s own system: roles are exempt by default.',
  severity: 'high',
  controls: ['nsa:authentication-authorization', 'mitre:T1609'],
  remediation: 'Remove create and get on pods/exec and pods/attach; give debugging access through a time-limited break-glass role or ephemeral debug tooling instead.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.podExecAttach,
  pointAt: 'resource',
  message: (g) => `rule grants ${describeGrants(g)}: exec and attach run commands inside containers with their credentials; allowed are read-only subresources such as pods/log`,
});
