/**
 * The pss-* profiles hold exactly the Pod Security Standards checks of Pod Security Admission, and the
 * restricted checks replace baseline ones at the versions upstream's OverrideCheckIDs say.
 */
import t from 'tap';
import { loadLibrary } from '../../src/loader/load-policies.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { parseConfig } from '../../src/config/load-config.js';
import { planFor } from '../../src/core/plan.js';

// Upstream check id -> our policy id, per level (k8s.io/pod-security-admission policy/check_*.go).
const BASELINE: Record<string, string> = {
  privileged: 'pss-privileged',
  capabilities_baseline: 'pss-capabilities-baseline',
  hostNamespaces: 'pss-host-namespaces',
  hostPathVolumes: 'pss-host-path-volumes',
  hostPorts: 'pss-host-ports',
  hostProbesAndHostLifecycle: 'pss-host-probes-lifecycle',
  appArmorProfile: 'pss-apparmor',
  seLinuxOptions: 'pss-selinux',
  procMount: 'pss-proc-mount',
  seccompProfile_baseline: 'pss-seccomp-baseline',
  sysctls: 'pss-sysctls',
  windowsHostProcess: 'pss-windows-host-process',
};
const RESTRICTED: Record<string, string> = {
  procMount_restricted: 'pss-proc-mount-restricted',
  seccompProfile_restricted: 'pss-seccomp-restricted',
  restrictedVolumes: 'pss-restricted-volumes',
  allowPrivilegeEscalation: 'pss-allow-privilege-escalation',
  runAsNonRoot: 'pss-run-as-non-root',
  runAsUser: 'pss-run-as-user',
  capabilities_restricted: 'pss-capabilities-restricted',
};

const { registry, problems } = await loadLibrary();
t.same(problems, [], 'the library loads without problems');

t.test('pss-baseline is exactly the baseline checks, pss-restricted all of them', async (t) => {
  t.same([...registry.profiles.get('pss-baseline')!.keys()].sort(), Object.values(BASELINE).sort());
  t.same([...registry.profiles.get('pss-restricted')!.keys()].sort(), [...Object.values(BASELINE), ...Object.values(RESTRICTED)].sort());
  for (const profile of ['pss-baseline', 'pss-restricted']) {
    for (const [id, action] of registry.profiles.get(profile)!) t.equal(action, 'deny', `${profile}: ${id} denies`);
  }
});

t.test('metadata names the upstream check, its level and controls', async (t) => {
  for (const [level, map] of [['baseline', BASELINE], ['restricted', RESTRICTED]] as const) {
    for (const [checkId, id] of Object.entries(map)) {
      const p = registry.policies.get(id)?.policy;
      if (!p) {
        t.fail(`${id} is missing`);
        continue;
      }
      t.match(p.pss, { level, checkId }, `${id} is ${level}/${checkId}`);
      t.ok(p.controls.includes(`pss:${level}/${checkId}`), `${id} names its pss control`);
      t.ok(p.controls.includes('nsa:pod-security'), `${id} names the NSA control`);
      t.ok(p.controls.some((c) => c.startsWith('cis-k8s:5.')), `${id} names a CIS control`);
      t.equal(p.defaultAction, 'deny');
      t.equal(p.recommended, level === 'baseline' ? 'deny' : 'warn', `${id} recommended action`);
      t.equal(p.category, 'pod-security');
    }
  }
});

t.test('restricted checks replace baseline ones from upstream OverrideCheckIDs versions', async (t) => {
  // [replaced baseline policy, first version it is replaced at the restricted level]
  const overrides: [string, number][] = [
    ['pss-host-path-volumes', 0],
    ['pss-seccomp-baseline', 19],
    ['pss-capabilities-baseline', 22],
    ['pss-proc-mount', 35],
  ];
  const replacedIds = new Set(overrides.map(([id]) => id));
  for (let minor = 0; minor <= 37; minor++) {
    const version = `v1.${minor}`;
    const restricted = await buildPolicySet(parseConfig(`profile: pss-restricted\npodSecurity: {version: ${version}}\n`));
    const ids = new Set(planFor(restricted.engine, restricted.registry, undefined).entries.map((e) => e.policy.id));
    for (const [id, since] of overrides) t.equal(ids.has(id), minor < since, `restricted ${version}: ${id} ${minor < since ? 'runs' : 'is replaced'}`);
    for (const id of [...Object.values(BASELINE), ...Object.values(RESTRICTED)].filter((i) => !replacedIds.has(i))) t.ok(ids.has(id), `restricted ${version}: ${id} runs`);
    const baseline = await buildPolicySet(parseConfig(`profile: pss-baseline\npodSecurity: {version: ${version}}\n`));
    const baseIds = [...planFor(baseline.engine, baseline.registry, undefined).entries.map((e) => e.policy.id)].sort();
    t.same(baseIds, Object.values(BASELINE).sort(), `baseline ${version}: every baseline check runs, nothing replaces them`);
  }
});
