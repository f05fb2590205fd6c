import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-nodes-proxy',
  title: 'Roles should not grant access to nodes/proxy',
  description:
    'Flags Role and ClusterRole rules that grant any verb on nodes/proxy in the core group, directly or through `*`. ' +
    'nodes/proxy reaches the kubelet API of every node, whose exec, run and logs endpoints bypass API server audit and admission; even get is enough to open exec sessions over WebSockets. ' +
    'Allowed: nodes/metrics and nodes/stats for monitoring. The control plane\'s own system: roles are exempt by default.',
  severity: 'high',
  controls: ['cis-k8s:5.1.10', 'nsa:authentication-authorization', 'mitre:T1609', 'mitre:T1611'],
  remediation: 'Replace nodes/proxy with nodes/metrics and nodes/stats (enough for Prometheus and metrics collectors), or scrape the kubelet through its own authenticated endpoint.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.nodesProxy,
  pointAt: 'resource',
  message: (g) => `rule grants ${describeGrants(g)}: nodes/proxy reaches the kubelet API (exec, run, logs) on every node; allowed for monitoring are nodes/metrics and nodes/stats`,
});
