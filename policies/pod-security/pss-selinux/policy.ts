import { asRecord, containersOf, definePodPolicy, versionAtLeast, type Violation } from '../../../src/sdk.js';
import { containerSecurityContext, isSet, podSecurityContext, pssControls, scalar, show } from '../pss-common.js';

const TYPES_V1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
// v1.31 allows the type used by container engines running inside a pod.
const TYPES_V1_31 = [...TYPES_V1_0, 'container_engine_t'];

/**
 * Pod Security Standards baseline `seLinuxOptions` (all versions): the SELinux type is limited to the
 * container types and a custom user or role is forbidden.
 */
export default definePodPolicy({
  id: 'pss-selinux',
  title: 'SELinux options must not escape the container types',
  description: 'Restricts seLinuxOptions of spec.securityContext and spec.{initContainers,containers,ephemeralContainers}[*].securityContext: type must be unset, "", container_t, container_init_t or container_kvm_t (and container_engine_t from v1.31); user and role must be unset or empty.',
  severity: 'high',
  category: 'pod-security',
  controls: pssControls('baseline', 'seLinuxOptions', ['5.7.3']),
  remediation: 'Remove seLinuxOptions.user and seLinuxOptions.role, and use one of the container SELinux types or none.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'seLinuxOptions' },
  check(pod, ctx) {
    const allowed = new Set(versionAtLeast(ctx.version, 'v1.31') ? TYPES_V1_31 : TYPES_V1_0);
    const allowedText = [...allowed].filter((t) => t !== '').join(', ');
    const out: Violation[] = [];
    const checkOptions = (options: unknown, path: (string | number)[], who: string): void => {
      if (!isSet(options)) return;
      const o = asRecord(options) ?? {};
      const type = o.type ?? '';
      if (!(typeof type === 'string' && allowed.has(type))) {
        out.push({ path: [...path, 'seLinuxOptions', 'type'], message: `${who}: securityContext.seLinuxOptions.type must be unset or one of ${allowedText}, not ${show(type)}`, value: scalar(type) });
      }
      for (const field of ['user', 'role'] as const) {
        const v = o[field];
        if (!isSet(v) || v === '') continue;
        out.push({ path: [...path, 'seLinuxOptions', field], message: `${who}: securityContext.seLinuxOptions.${field} must be unset or empty`, value: scalar(v) });
      }
    };
    checkOptions(podSecurityContext(pod)?.seLinuxOptions, ['spec', 'securityContext'], 'pod');
    for (const c of containersOf(pod.spec)) checkOptions(containerSecurityContext(c)?.seLinuxOptions, [...c.path, 'securityContext'], `container "${c.label}"`);
    return out;
  },
});
