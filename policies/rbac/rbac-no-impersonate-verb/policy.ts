import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-impersonate-verb',
  title: 'Roles must not grant impersonation',
  description:
    'Flags Role and ClusterRole rules that grant `impersonate` on users, groups or serviceaccounts (core group) or on uids and userextras/* (authentication.k8s.io), directly or through `*`. ' +
    'Impersonation lets a subject act as any user or group it may impersonate, system:masters included. ' +
    'Rules limited by resourceNames are still flagged, since the names are the identities that may be assumed. The control plane\'s own system: roles are exempt by default.',
  severity: 'critical',
  controls: ['cis-k8s:5.1.8', 'nsa:authentication-authorization', 'mitre:T1078', 'mitre:T1134'],
  remediation: 'Remove "impersonate" (and any "*" verb) from the rule; give the subject the permissions it needs directly instead of letting it act as someone else.',
  defaultAction: 'deny',
  recommended: 'deny',
  permissions: () => RIGHTS.impersonate,
  pointAt: 'verb',
  message: (g) => `rule grants ${describeGrants(g)}: impersonation lets a subject act as other users, groups or service accounts; remove it and grant the needed permissions directly`,
});
