import { asArray, asRecord, containersOf, definePodPolicy, versionAtLeast, type Violation } from '../../../src/sdk.js';
import { containerSecurityContext, isWindowsPod, pssControls, scalar, show } from '../pss-common.js';

/**
 * Pod Security Standards restricted `capabilities_restricted` (from v1.22): every container drops ALL
 * capabilities and may add back only NET_BIND_SERVICE. Replaces the baseline capabilities check at the
 * restricted level. From v1.25 Windows pods are exempt: the API forbids capabilities on them.
 */
export default definePodPolicy({
  id: 'pss-capabilities-restricted',
  title: 'Containers must drop ALL capabilities',
  description: 'From v1.22, requires spec.{initContainers,containers,ephemeralContainers}[*].securityContext.capabilities.drop to include ALL, and capabilities.add to be unset, empty or only NET_BIND_SERVICE. From v1.25 pods with spec.os.name windows are exempt.',
  severity: 'medium',
  category: 'pod-security',
  controls: pssControls('restricted', 'capabilities_restricted', ['5.2.8', '5.2.9', '5.2.10']),
  remediation: 'Set securityContext.capabilities.drop: ["ALL"] on every container and add back NET_BIND_SERVICE only if the container binds a port below 1024.',
  defaultAction: 'deny',
  recommended: 'warn',
  pss: { level: 'restricted', checkId: 'capabilities_restricted', supersedes: [{ policy: 'pss-capabilities-baseline', since: 'v1.22' }] },
  // Dropping ALL is mechanical; an added capability other than NET_BIND_SERVICE is a person's call.
  fix: (_pod, v) => (v.path[v.path.length - 1] === 'drop' ? [{ op: 'add', path: [...v.path], value: 'ALL' }] : []),
  check(pod, ctx) {
    if (!versionAtLeast(ctx.version, 'v1.22')) return [];
    if (versionAtLeast(ctx.version, 'v1.25') && isWindowsPod(pod)) return [];
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      const caps = asRecord(containerSecurityContext(c)?.capabilities);
      const capsPath = [...c.path, 'securityContext', 'capabilities'];
      if (!asArray(caps?.drop).includes('ALL')) {
        out.push({ path: [...capsPath, 'drop'], message: `container "${c.label}": securityContext.capabilities.drop must include "ALL"` });
      }
      asArray(caps?.add).forEach((cap, i) => {
        if (cap === 'NET_BIND_SERVICE') return;
        out.push({ path: [...capsPath, 'add', i], message: `container "${c.label}": securityContext.capabilities.add may only include "NET_BIND_SERVICE", not ${show(cap)}`, value: scalar(cap) });
      });
    }
    return out;
  },
});
