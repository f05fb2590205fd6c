import { defineRulePolicy, describeGrants } from '../_lib/rule-policy.js';
import { RIGHTS } from '../_lib/rights.js';

export default defineRulePolicy({
  id: 'rbac-no-create-persistent-volumes',
  title: 'Roles should not grant creating PersistentVolumes',
  description:
    'Flags Role and ClusterRole rules that grant `create` on persistentvolumes in the core group, directly or through `*`. ' +
    'A PersistentVolume can point at a hostPath; a subject that creates one and claims it mounts the node\'s filesystem past Pod Security admission. ' +
    'Allowed: creating PersistentVolumeClaims against StorageClasses. Rules limited by resourceNames are ignored (create cannot be restricted by name). The control plane\'s own system: roles are exempt by default.',
  severity: 'medium',
  controls: ['cis-k8s:5.1.9', 'nsa:authentication-authorization', 'mitre:T1611'],
  remediation: 'Remove create on persistentvolumes and provision storage dynamically through StorageClasses and PersistentVolumeClaims; keep static provisioning for storage administrators and CSI provisioners.',
  defaultAction: 'warn',
  recommended: 'warn',
  permissions: () => RIGHTS.createPersistentVolumes,
  skipNamed: () => true,
  pointAt: 'verb',
  message: (g) => `rule grants ${describeGrants(g)}: a PersistentVolume can expose a node path (hostPath) to whoever claims it; allowed is creating persistentvolumeclaims`,
});
