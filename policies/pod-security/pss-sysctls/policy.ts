import { asArray, asRecord, definePodPolicy, versionAtLeast, type PssVersion, type Violation } from '../../../src/sdk.js';
import { podSecurityContext, pssControls, scalar, show } from '../pss-common.js';

/**
 * The safe sysctls: namespaced per pod and isolated from other pods and the node. The set grew over
 * the versions; each entry is the version that added those names.
 */
const SAFE_SYSCTLS: readonly { since: string; names: string[] }[] = [
  { since: 'v1.0', names: ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'] },
  { since: 'v1.27', names: ['net.ipv4.ip_local_reserved_ports'] },
  { since: 'v1.29', names: ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'] },
  { since: 'v1.32', names: ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'] },
  { since: 'v1.37', names: ['net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'] },
];

// One set per version, built on first use: the check runs on every pod, the set changes per version only.
const byMinor = new Map<number, ReadonlySet<string>>();

export function safeSysctls(version: PssVersion): ReadonlySet<string> {
  let set = byMinor.get(version.minor);
  if (set === undefined) {
    set = new Set(SAFE_SYSCTLS.filter((s) => versionAtLeast(version, s.since)).flatMap((s) => s.names));
    byMinor.set(version.minor, set);
  }
  return set;
}

/** Pod Security Standards baseline `sysctls` (all versions): only the safe sysctls of that version may be set. */
export default definePodPolicy({
  id: 'pss-sysctls',
  title: 'Only safe sysctls may be set',
  description: `Restricts spec.securityContext.sysctls[*].name to the safe set of the version: ${SAFE_SYSCTLS.map((s) => `${s.since}: ${s.names.join(', ')}`).join('; ')} (each version allows the names of its own and of earlier versions).`,
  severity: 'high',
  category: 'pod-security',
  controls: pssControls('baseline', 'sysctls', ['5.7.3']),
  remediation: 'Remove the unsafe sysctl from spec.securityContext.sysctls, or set it on the node instead.',
  defaultAction: 'deny',
  recommended: 'deny',
  pss: { level: 'baseline', checkId: 'sysctls' },
  check(pod, ctx) {
    const sysctls = asArray(podSecurityContext(pod)?.sysctls);
    if (sysctls.length === 0) return [];
    const safe = safeSysctls(ctx.version);
    const out: Violation[] = [];
    sysctls.forEach((s, i) => {
      const rec = asRecord(s);
      if (!rec) return;
      const name = rec.name ?? '';
      if (typeof name === 'string' && safe.has(name)) return;
      out.push({
        path: ['spec', 'securityContext', 'sysctls', i, 'name'],
        message: `spec.securityContext.sysctls[${i}].name ${show(name)} is not a safe sysctl at this version; allowed: ${[...safe].join(', ')}`,
        value: scalar(name),
      });
    });
    return out;
  },
});
