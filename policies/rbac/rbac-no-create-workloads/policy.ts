import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-create-workloads',
  title: 'Roles should not grant creating workloads',
  description:
    'Flags Role and ClusterRole rules that grant `create` on deployments, statefulsets, daemonsets, replicasets (apps), jobs, cronjobs (batch) or replicationcontrollers (core), directly or through `*`. ' +
    'Their controllers create Pods from the template the subject writes, so creating a workload is creating Pods by another route. ' +
    'Rules limited by resourceNames are ignored (create cannot be restricted by name). The control plane\'s own system: roles are exempt by default.',
  severity: 'medium',
  controls: ['cis-k8s:5.1.4', 'nsa:authentication-authorization', 'mitre:T1610'],
  remediation: 'Keep create on workload kinds for the deployment pipeline\'s service account and for roles meant to deploy; give other subjects read access only.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.createWorkloads,
  skipNamed: () => true,
  pointAt: 'verb',
  message: (g) => `rule grants ${describeGrants(g)}: creating workloads creates Pods through their controllers; allowed are read verbs, and create for deployment pipelines that are meant to have it`,
});
