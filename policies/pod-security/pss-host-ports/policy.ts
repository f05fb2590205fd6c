import { asArray, asRecord, containersOf, definePodPolicy, type Violation } from '../../../src/sdk.js';
import { isSet, pssControls, scalar, show } from '../pss-common.js';

/** Pod Security Standards baseline `hostPorts` (all versions): no container port may be bound on the host. */
export default definePodPolicy({
  id: 'pss-host-ports',
  title: 'Host ports are not allowed',
  description: 'Restricts spec.{initContainers,containers,ephemeralContainers}[*].ports[*].hostPort; allowed values: unset or 0.',
  severity: 'medium',
  category: 'pod-security',
  controls: pssControls('baseline', 'hostPorts', ['5.2.13']),
  remediation: 'Remove hostPort from the container ports and expose the pod through a Service instead.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'hostPorts' },
  check(pod) {
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      asArray((c.container as Record<string, unknown>).ports).forEach((p, j) => {
        const hostPort = asRecord(p)?.hostPort;
        if (!isSet(hostPort) || hostPort === 0) return;
        out.push({
          path: [...c.path, 'ports', j, 'hostPort'],
          message: `container "${c.label}": ports[${j}].hostPort must be 0 or unset, not ${show(hostPort)}`,
          value: scalar(hostPort),
        });
      });
    }
    return out;
  },
});
