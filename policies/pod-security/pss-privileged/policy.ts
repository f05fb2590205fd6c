import { containersOf, definePodPolicy, setAtViolation } from '../../../src/sdk.js';
import { containerSecurityContext, pssControls } from '../pss-common.js';

/** Pod Security Standards baseline `privileged` (all versions): no container may run privileged. */
export default definePodPolicy({
  id: 'pss-privileged',
  title: 'Privileged containers are not allowed',
  description: 'Restricts spec.{initContainers,containers,ephemeralContainers}[*].securityContext.privileged; allowed values: false or unset.',
  severity: 'critical',
  category: 'pod-security',
  controls: pssControls('baseline', 'privileged', ['5.2.2']),
  remediation: 'Remove securityContext.privileged or set it to false; grant only the specific capabilities the container needs.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'privileged' },
  fix: setAtViolation(false),
  check(pod) {
    return containersOf(pod.spec)
      .filter((c) => containerSecurityContext(c)?.privileged === true)
      .map((c) => ({
        path: [...c.path, 'securityContext', 'privileged'],
        message: `container "${c.label}": securityContext.privileged must be false or unset`,
        value: true,
      }));
  },
});
