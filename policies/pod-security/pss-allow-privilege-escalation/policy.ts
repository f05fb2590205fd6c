import { containersOf, definePodPolicy, setAtViolation, versionAtLeast } from '../../../src/sdk.js';
import { containerSecurityContext, isSet, isWindowsPod, pssControls, scalar, show } from '../pss-common.js';

/**
 * Pod Security Standards restricted `allowPrivilegeEscalation` (from v1.8, when the field was added):
 * every container must set allowPrivilegeEscalation to false; unset means allowed by the runtime.
 * From v1.25 Windows pods are exempt: the API forbids the field on them.
 */
export default definePodPolicy({
  id: 'pss-allow-privilege-escalation',
  title: 'Privilege escalation must be disabled',
  description: 'From v1.8, requires spec.{initContainers,containers,ephemeralContainers}[*].securityContext.allowPrivilegeEscalation to be false. From v1.25 pods with spec.os.name windows are exempt.',
  severity: 'medium',
  category: 'pod-security',
  controls: pssControls('restricted', 'allowPrivilegeEscalation', ['5.2.6']),
  remediation: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
  defaultAction: 'deny',
  recommended: 'warn',
  pss: { level: 'restricted', checkId: 'allowPrivilegeEscalation' },
  fix: setAtViolation(false),
  check(pod, ctx) {
    if (!versionAtLeast(ctx.version, 'v1.8')) return [];
    if (versionAtLeast(ctx.version, 'v1.25') && isWindowsPod(pod)) return [];
    return containersOf(pod.spec)
      .filter((c) => containerSecurityContext(c)?.allowPrivilegeEscalation !== false)
      .map((c) => {
        const value = containerSecurityContext(c)?.allowPrivilegeEscalation;
        return {
          path: [...c.path, 'securityContext', 'allowPrivilegeEscalation'],
          message: isSet(value)
            ? `container "${c.label}": securityContext.allowPrivilegeEscalation must be false, not ${show(value)}`
            : `container "${c.label}": securityContext.allowPrivilegeEscalation must be set to false`,
          value: scalar(value),
        };
      });
  },
});
