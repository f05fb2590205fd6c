import { definePodPolicy, versionAtLeast } from '../../../src/sdk.js';
import { isUserNamespacedPod, procMountViolations, pssControls } from '../pss-common.js';

/**
 * Pod Security Standards baseline `procMount`: the default /proc masks must stay in place. From v1.35
 * a pod in its own user namespace (`hostUsers: false`) may use any procMount, since the unmasked /proc
 * belongs to that namespace; the restricted level keeps forbidding it (pss-proc-mount-restricted).
 */
export default definePodPolicy({
  id: 'pss-proc-mount',
  title: 'The default /proc masks must not be disabled',
  description: 'Restricts spec.{initContainers,containers,ephemeralContainers}[*].securityContext.procMount; allowed values: unset or Default (from v1.35 any value when spec.hostUsers is false).',
  severity: 'high',
  category: 'pod-security',
  controls: pssControls('baseline', 'procMount', ['5.7.3']),
  remediation: 'Remove securityContext.procMount or set it to Default.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'procMount' },
  check(pod, ctx) {
    if (versionAtLeast(ctx.version, 'v1.35') && isUserNamespacedPod(pod)) return [];
    return procMountViolations(pod);
  },
});
