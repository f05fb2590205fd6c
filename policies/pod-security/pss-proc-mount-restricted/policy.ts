import { definePodPolicy, versionAtLeast } from '../../../src/sdk.js';
import { procMountViolations, pssControls } from '../pss-common.js';

/**
 * Pod Security Standards restricted `procMount_restricted` (from v1.35): the unconditional /proc mask
 * rule. It replaces the baseline `procMount` check at the restricted level once baseline started to
 * relax it for user-namespaced pods, so restricted stays as strict as before.
 */
export default definePodPolicy({
  id: 'pss-proc-mount-restricted',
  title: 'The default /proc masks must not be disabled, even in a user namespace',
  description: 'From v1.35, restricts spec.{initContainers,containers,ephemeralContainers}[*].securityContext.procMount; allowed values: unset or Default, whatever spec.hostUsers says.',
  severity: 'medium',
  category: 'pod-security',
  controls: pssControls('restricted', 'procMount_restricted', ['5.7.3']),
  remediation: 'Remove securityContext.procMount or set it to Default.',
  defaultAction: 'deny',
  recommended: 'warn',
  pss: { level: 'restricted', checkId: 'procMount_restricted', supersedes: [{ policy: 'pss-proc-mount', since: 'v1.35' }] },
  check(pod, ctx) {
    if (!versionAtLeast(ctx.version, 'v1.35')) return [];
    return procMountViolations(pod);
  },
});
