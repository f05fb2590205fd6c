import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-pod-portforward',
  title: 'Roles should not grant port-forwarding to Pods',
  description:
    'Flags Role and ClusterRole rules that grant `create` or `get` on pods/portforward in the core group, directly or through `*`. ' +
    'Port-forwarding tunnels traffic to any port of a Pod from outside the cluster, past NetworkPolicies and Services. ' +
    '`get` counts because the WebSocket form of the request is a GET, which older API servers authorize with the get verb. ' +
    'The control plane\'s own system: roles are exempt by default.',
  severity: 'medium',
  controls: ['nsa:authentication-authorization', 'nsa:network-separation', 'mitre:T1090'],
  remediation: 'Remove create and get on pods/portforward, or keep it in a role bound only to the people who need to reach Pods directly.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.podPortForward,
  pointAt: 'resource',
  message: (g) => `rule grants ${describeGrants(g)}: port-forwarding reaches any Pod port past NetworkPolicies; allowed is access through Services and Ingresses`,
});
