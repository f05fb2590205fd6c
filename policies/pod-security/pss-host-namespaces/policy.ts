import { definePodPolicy, setAtViolation, type Violation } from '../../../src/sdk.js';
import { pssControls } from '../pss-common.js';

const FIELDS = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

/** Pod Security Standards baseline `hostNamespaces` (all versions): no sharing of the host's network, PID or IPC namespace. */
export default definePodPolicy({
  id: 'pss-host-namespaces',
  title: 'Host namespaces must not be shared',
  description: 'Restricts spec.hostNetwork, spec.hostPID and spec.hostIPC; allowed values: false or unset.',
  severity: 'high',
  category: 'pod-security',
  controls: pssControls('baseline', 'hostNamespaces', ['5.2.3', '5.2.4', '5.2.5']),
  remediation: 'Remove spec.hostNetwork, spec.hostPID and spec.hostIPC or set them to false.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'hostNamespaces' },
  // The remediation says to set them false: the fix does, which is also what leaving them out means.
  fix: setAtViolation(false),
  check(pod) {
    const spec = pod.spec as Record<string, unknown>;
    const out: Violation[] = [];
    for (const field of FIELDS) {
      if (spec[field] === true) out.push({ path: ['spec', field], message: `spec.${field} must be false or unset`, value: true });
    }
    return out;
  },
});
