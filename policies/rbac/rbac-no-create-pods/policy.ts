import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-create-pods',
  title: 'Roles should not grant creating Pods',
  description:
    'Flags Role and ClusterRole rules that grant `create` on pods in the core group, directly or through `*`. ' +
    'A subject that can create Pods can run any image with any service account of the namespace and mount its Secrets, so it holds every right those service accounts hold. ' +
    'Rules limited by resourceNames are ignored: Kubernetes cannot restrict create by name, so such a rule grants no create. The control plane\'s own system: roles are exempt by default.',
  severity: 'high',
  controls: ['cis-k8s:5.1.4', 'nsa:authentication-authorization', 'mitre:T1610'],
  remediation: 'Remove create on pods; let people and CI deploy through workload controllers or GitOps with a reviewed service account, and keep direct Pod creation for break-glass roles.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.createPods,
  skipNamed: () => true,
  pointAt: 'verb',
  message: (g) => `rule grants ${describeGrants(g)}: creating Pods lets a subject run any image as any service account of the namespace; allowed are read verbs and delete on pods`,
});
