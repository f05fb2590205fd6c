import { asRecord, containersOf, definePodPolicy, versionAtLeast, type Violation, type VisitedContainer } from '../../../src/sdk.js';
import { containerSecurityContext, isSet, podSecurityContext, pssControls, scalar, show } from '../pss-common.js';

const TYPES_V1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
// v1.31 allows the type used by container engines running inside a pod.
const TYPES_V1_31 = [...TYPES_V1_0, 'container_engine_t'];
const ALLOWED_V1_0 = { types: new Set(TYPES_V1_0), text: TYPES_V1_0.filter((t) => t !== '').join(', ') };
const ALLOWED_V1_31 = { types: new Set(TYPES_V1_31), text: TYPES_V1_31.filter((t) => t !== '').join(', ') };

/** Violations of one seLinuxOptions (set: present and not null); `c` undefined means the pod's own. */
function checkOptions(out: Violation[], options: unknown, allowed: typeof ALLOWED_V1_0, c: VisitedContainer | undefined): void {
  const o = asRecord(options) ?? {};
  const type = o.type ?? '';
  const path = (): (string | number)[] => (c === undefined ? ['spec', 'securityContext'] : [...c.path, 'securityContext']);
  const who = (): string => (c === undefined ? 'pod' : `container "${c.label}"`);
  if (!(typeof type === 'string' && allowed.types.has(type))) {
    out.push({ path: [...path(), 'seLinuxOptions', 'type'], message: `${who()}: securityContext.seLinuxOptions.type must be unset or one of ${allowed.text}, not ${show(type)}`, value: scalar(type) });
  }
  for (const field of ['user', 'role'] as const) {
    const v = o[field];
    if (!isSet(v) || v === '') continue;
    out.push({ path: [...path(), 'seLinuxOptions', field], message: `${who()}: securityContext.seLinuxOptions.${field} must be unset or empty`, value: scalar(v) });
  }
}

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
    const allowed = versionAtLeast(ctx.version, 'v1.31') ? ALLOWED_V1_31 : ALLOWED_V1_0;
    const out: Violation[] = [];
    // Where and whose is worked out only for options that break the rule: most pods set none.
    const podOptions = podSecurityContext(pod)?.seLinuxOptions;
    if (isSet(podOptions)) checkOptions(out, podOptions, allowed, undefined);
    for (const c of containersOf(pod.spec)) {
      const options = containerSecurityContext(c)?.seLinuxOptions;
      if (isSet(options)) checkOptions(out, options, allowed, c);
    }
    return out;
  },
});
