import { containersOf, definePodPolicy, versionAtLeast, type Violation } from '../../../src/sdk.js';
import { containerSecurityContext, isUserNamespacedPod, podSecurityContext, pssControls } from '../pss-common.js';

/**
 * Pod Security Standards restricted `runAsUser` (from v1.23): no pod or container may explicitly run as
 * UID 0. From v1.35 a pod in its own user namespace (`hostUsers: false`) is exempt.
 */
export default definePodPolicy({
  id: 'pss-run-as-user',
  title: 'Containers must not run as UID 0',
  description: 'From v1.23, restricts spec.securityContext.runAsUser and spec.{initContainers,containers,ephemeralContainers}[*].securityContext.runAsUser; allowed values: unset or non-zero. From v1.35 any value is allowed when spec.hostUsers is false.',
  severity: 'medium',
  category: 'pod-security',
  controls: pssControls('restricted', 'runAsUser', ['5.2.7']),
  remediation: 'Set runAsUser to a non-zero UID, or remove it and run the image as a non-root user.',
  defaultAction: 'deny',
  recommended: 'warn',
  pss: { level: 'restricted', checkId: 'runAsUser' },
  check(pod, ctx) {
    if (!versionAtLeast(ctx.version, 'v1.23')) return [];
    if (versionAtLeast(ctx.version, 'v1.35') && isUserNamespacedPod(pod)) return [];
    const out: Violation[] = [];
    if (podSecurityContext(pod)?.runAsUser === 0) {
      out.push({ path: ['spec', 'securityContext', 'runAsUser'], message: 'pod: securityContext.runAsUser must not be 0; use a non-zero UID or leave it unset', value: 0 });
    }
    for (const c of containersOf(pod.spec)) {
      if (containerSecurityContext(c)?.runAsUser !== 0) continue;
      out.push({ path: [...c.path, 'securityContext', 'runAsUser'], message: `container "${c.label}": securityContext.runAsUser must not be 0; use a non-zero UID or leave it unset`, value: 0 });
    }
    return out;
  },
});
