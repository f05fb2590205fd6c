import { asRecord, containersOf, definePodPolicy, versionAtLeast, type Violation } from '../../../src/sdk.js';
import { ALLOWED_SECCOMP_TYPES, badSeccompFields, fixSeccomp, containerSecurityContext, isSet, isWindowsPod, podSecurityContext, pssControls } from '../pss-common.js';

/**
 * Pod Security Standards restricted `seccompProfile_restricted` (from v1.19): every container must run
 * under RuntimeDefault or Localhost, set on the container or inherited from the pod. Replaces the
 * baseline seccomp check at the restricted level. From v1.25 Windows pods are exempt: the API forbids
 * seccomp on them.
 */
export default definePodPolicy({
  id: 'pss-seccomp-restricted',
  title: 'Seccomp must be set to RuntimeDefault or Localhost',
  description: 'From v1.19, requires spec.securityContext.seccompProfile.type, or that of every container (init and ephemeral too), to be RuntimeDefault or Localhost; container values may be unset when the pod sets an allowed one. From v1.25 pods with spec.os.name windows are exempt.',
  severity: 'medium',
  category: 'pod-security',
  controls: pssControls('restricted', 'seccompProfile_restricted', ['5.7.2']),
  remediation: 'Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile on the node).',
  defaultAction: 'deny',
  recommended: 'warn',
  pss: { level: 'restricted', checkId: 'seccompProfile_restricted', supersedes: [{ policy: 'pss-seccomp-baseline', since: 'v1.19' }] },
  fix: fixSeccomp,
  check(pod, ctx) {
    if (!versionAtLeast(ctx.version, 'v1.19')) return [];
    if (versionAtLeast(ctx.version, 'v1.25') && isWindowsPod(pod)) return [];
    const out: Violation[] = badSeccompFields(pod);
    const podType = asRecord(podSecurityContext(pod)?.seccompProfile)?.type;
    const podSetsAllowed = typeof podType === 'string' && ALLOWED_SECCOMP_TYPES.has(podType);
    if (podSetsAllowed) return out;
    // Containers that set no profile inherit nothing usable from the pod.
    for (const c of containersOf(pod.spec)) {
      if (isSet(containerSecurityContext(c)?.seccompProfile)) continue;
      out.push({
        path: [...c.path, 'securityContext', 'seccompProfile', 'type'],
        message: `container "${c.label}": securityContext.seccompProfile.type must be RuntimeDefault or Localhost (set it on the container or the pod)`,
      });
    }
    return out;
  },
});
