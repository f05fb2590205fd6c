import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-webhook-configuration-changes',
  title: 'Roles should not grant changing admission webhooks or policies',
  description:
    'Flags Role and ClusterRole rules that grant create, update, patch, delete or deletecollection on validatingwebhookconfigurations, mutatingwebhookconfigurations, ' +
    'validatingadmissionpolicies(/bindings) or mutatingadmissionpolicies(/bindings) in admissionregistration.k8s.io, directly or through `*`. ' +
    'Whoever can change these can switch off admission control (this webhook included) or mutate every object sent to the API. ' +
    'Rules limited by resourceNames are still flagged. The control plane\'s own system: roles are exempt by default.',
  severity: 'high',
  controls: ['cis-k8s:5.1.12', 'nsa:authentication-authorization', 'mitre:T1562.001'],
  remediation: 'Keep write access to admission configuration for cluster administrators and the installer of each webhook; give everyone else get, list and watch.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.admissionConfiguration,
  pointAt: 'resource',
  message: (g) => `rule grants ${describeGrants(g)}: changing admission configuration can disable or subvert admission control; allowed are get, list and watch`,
});
