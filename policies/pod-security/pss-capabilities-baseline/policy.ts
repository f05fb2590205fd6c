import { asArray, asRecord, containersOf, definePodPolicy, type Violation } from '../../../src/sdk.js';
import { containerSecurityContext, pssControls, scalar, show } from '../pss-common.js';

/** The container runtime's default capability set: adding any of these is not an escalation. */
const DEFAULT_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const DEFAULT_LIST = [...DEFAULT_CAPABILITIES].join(', ');

/** Pod Security Standards baseline `capabilities_baseline` (all versions): only default capabilities may be added. */
export default definePodPolicy({
  id: 'pss-capabilities-baseline',
  title: 'Only default capabilities may be added',
  description: `Restricts spec.{initContainers,containers,ephemeralContainers}[*].securityContext.capabilities.add; allowed values: unset, empty, or capabilities of the default set (${DEFAULT_LIST}).`,
  severity: 'high',
  category: 'pod-security',
  controls: pssControls('baseline', 'capabilities_baseline', ['5.2.8', '5.2.9']),
  remediation: 'Remove capabilities outside the default set (for example NET_RAW, SYS_ADMIN) from securityContext.capabilities.add.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'capabilities_baseline' },
  check(pod) {
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      const add = asArray(asRecord(containerSecurityContext(c)?.capabilities)?.add);
      add.forEach((cap, i) => {
        if (typeof cap === 'string' && DEFAULT_CAPABILITIES.has(cap)) return;
        out.push({
          path: [...c.path, 'securityContext', 'capabilities', 'add', i],
          message: `container "${c.label}": securityContext.capabilities.add must not include ${show(cap)}; only the default set may be added (${DEFAULT_LIST})`,
          value: scalar(cap),
        });
      });
    }
    return out;
  },
});
