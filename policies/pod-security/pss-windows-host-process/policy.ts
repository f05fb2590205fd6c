import { asRecord, containersOf, definePodPolicy, type Violation } from '../../../src/sdk.js';
import { containerSecurityContext, podSecurityContext, pssControls } from '../pss-common.js';

/** Pod Security Standards baseline `windowsHostProcess` (all versions): no Windows HostProcess containers. */
export default definePodPolicy({
  id: 'pss-windows-host-process',
  title: 'Windows HostProcess containers are not allowed',
  description: 'Restricts spec.securityContext.windowsOptions.hostProcess and spec.{initContainers,containers,ephemeralContainers}[*].securityContext.windowsOptions.hostProcess; allowed values: false or unset.',
  severity: 'critical',
  category: 'pod-security',
  controls: pssControls('baseline', 'windowsHostProcess', ['5.2.11']),
  remediation: 'Remove windowsOptions.hostProcess or set it to false.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'windowsHostProcess' },
  check(pod) {
    const out: Violation[] = [];
    if (asRecord(podSecurityContext(pod)?.windowsOptions)?.hostProcess === true) {
      out.push({ path: ['spec', 'securityContext', 'windowsOptions', 'hostProcess'], message: 'pod: securityContext.windowsOptions.hostProcess must be false or unset', value: true });
    }
    for (const c of containersOf(pod.spec)) {
      if (asRecord(containerSecurityContext(c)?.windowsOptions)?.hostProcess !== true) continue;
      out.push({ path: [...c.path, 'securityContext', 'windowsOptions', 'hostProcess'], message: `container "${c.label}": securityContext.windowsOptions.hostProcess must be false or unset`, value: true });
    }
    return out;
  },
});
