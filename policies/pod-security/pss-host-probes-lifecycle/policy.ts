import { asRecord, containersOf, definePodPolicy, getIn, versionAtLeast, type Violation } from '../../../src/sdk.js';
import { isSet, pssControls, scalar, show } from '../pss-common.js';

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HOOKS = ['postStart', 'preStop'] as const;
// tcpSocket is not a valid lifecycle handler any more, but the API keeps it for compatibility, so it is checked too.
const HANDLERS = ['httpGet', 'tcpSocket'] as const;

/**
 * Pod Security Standards baseline `hostProbesAndHostLifecycle` (from v1.34): probes and lifecycle
 * handlers must not target another host, which would let the kubelet reach arbitrary addresses.
 */
export default definePodPolicy({
  id: 'pss-host-probes-lifecycle',
  title: 'Probes and lifecycle handlers must not set a host',
  description: 'From v1.34, restricts spec.{initContainers,containers,ephemeralContainers}[*].{livenessProbe,readinessProbe,startupProbe}.{httpGet,tcpSocket}.host and lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host; allowed values: unset or "".',
  severity: 'medium',
  category: 'pod-security',
  controls: pssControls('baseline', 'hostProbesAndHostLifecycle', ['5.7.3']),
  remediation: 'Remove the host field from probes and lifecycle handlers; they then target the pod itself.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'hostProbesAndHostLifecycle' },
  check(pod, ctx) {
    if (!versionAtLeast(ctx.version, 'v1.34')) return [];
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      const visit = (where: string[], handler: unknown): void => {
        const h = asRecord(handler);
        if (!h) return;
        for (const kind of HANDLERS) {
          const host = asRecord(h[kind])?.host;
          if (!isSet(host) || host === '') continue;
          out.push({
            path: [...c.path, ...where, kind, 'host'],
            message: `container "${c.label}": ${[...where, kind].join('.')}.host must be unset or empty, not ${show(host)}`,
            value: scalar(host),
          });
        }
      };
      for (const probe of PROBES) visit([probe], (c.container as Record<string, unknown>)[probe]);
      for (const hook of HOOKS) visit(['lifecycle', hook], getIn(c.container, ['lifecycle', hook]));
    }
    return out;
  },
});
