/**
 * The Pod Security Standards checks on odd input: wrong types never make a check throw, and JSON null
 * counts as unset, as it decodes in the API server (a nil pointer).
 */
import t from 'tap';
import { loadLibrary } from '../../src/loader/load-policies.js';
import type { PodSubject } from '../../src/core/subjects/pod.js';
import type { CheckContext, PodPolicy } from '../../src/core/types.js';
import { inputFromObject } from '../../src/core/input.js';
import { parsePssVersion } from '../../src/core/version.js';

const { registry } = await loadLibrary();
const pssPolicies = [...registry.policies.values()].map((r) => r.policy).filter((p): p is PodPolicy => p.target === 'pod' && p.pss !== undefined);
const VERSIONS = ['v1.0', 'v1.8', 'v1.19', 'v1.22', 'v1.25', 'v1.34', 'v1.35', 'v1.37'];

function run(policy: PodPolicy, spec: unknown, metadata: unknown = {}, version = 'v1.37') {
  const pod = { root: [], metadata, spec } as unknown as PodSubject;
  const ctx: CheckContext = { params: {}, version: parsePssVersion(version)!, input: inputFromObject({ apiVersion: 'v1', kind: 'Pod' }) };
  return policy.check(pod, ctx);
}

const ODD_SPECS: unknown[] = [
  {},
  { containers: 'app', initContainers: null, ephemeralContainers: [null, 7, 'x'], volumes: 'v', securityContext: 3, os: 'windows', hostUsers: 'false' },
  { containers: [{ name: 5, securityContext: 'privileged', ports: 'x' }] },
  { containers: [{ securityContext: { capabilities: { add: 'SYS_ADMIN', drop: 'ALL' }, seccompProfile: 'Unconfined', appArmorProfile: [], seLinuxOptions: 'spc_t', windowsOptions: 7, procMount: 0 } }] },
  { containers: [{ livenessProbe: 'x', readinessProbe: { httpGet: 'y' }, lifecycle: { preStop: [] }, ports: [null, 8080, { hostPort: 'x' }] }] },
  { volumes: [null, 3, { name: 1 }, { hostPath: null, nfs: null }, { hostPath: 'x' }], securityContext: { sysctls: [null, { name: 5 }, 'x'], seccompProfile: null, seLinuxOptions: null } },
];
const ODD_METADATA: unknown[] = [{}, { annotations: 'x' }, { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 5, 'seccomp.security.alpha.kubernetes.io/pod': null } }];

t.test('no check throws on wrong types, at any version', async (t) => {
  t.equal(pssPolicies.length, 19);
  for (const policy of pssPolicies) {
    for (const version of VERSIONS) {
      for (const spec of ODD_SPECS) {
        for (const metadata of ODD_METADATA) {
          let result: unknown;
          try {
            result = run(policy, spec, metadata, version);
          } catch (err) {
            t.fail(`${policy.id} at ${version} threw: ${String(err)}`);
            continue;
          }
          if (!Array.isArray(result)) t.fail(`${policy.id} at ${version} did not return an array`);
        }
      }
    }
  }
  t.pass('checked every policy on every odd input');
});

t.test('null means unset, as in the API', async (t) => {
  const byId = (id: string): PodPolicy => pssPolicies.find((p) => p.id === id)!;
  t.same(run(byId('pss-privileged'), { containers: [{ name: 'a', securityContext: { privileged: null } }] }), []);
  t.same(run(byId('pss-host-path-volumes'), { volumes: [{ name: 'v', hostPath: null, emptyDir: {} }] }), []);
  t.same(run(byId('pss-seccomp-baseline'), { containers: [{ name: 'a', securityContext: { seccompProfile: null } }] }), []);
  t.same(run(byId('pss-proc-mount'), { containers: [{ name: 'a', securityContext: { procMount: null } }] }), []);
  // A set profile object without a type is the empty type, which is not allowed.
  t.equal(run(byId('pss-seccomp-baseline'), { containers: [{ name: 'a', securityContext: { seccompProfile: {} } }] }).length, 1);
  t.equal(run(byId('pss-apparmor'), { securityContext: { appArmorProfile: { type: null } } }).length, 1);
  // runAsNonRoot: null on the container does not override a pod-level true.
  t.same(run(byId('pss-run-as-non-root'), { securityContext: { runAsNonRoot: true }, containers: [{ name: 'a', securityContext: { runAsNonRoot: null } }] }), []);
});

t.test('messages name the container and the field and say what is allowed', async (t) => {
  const byId = (id: string): PodPolicy => pssPolicies.find((p) => p.id === id)!;
  t.match(run(byId('pss-allow-privilege-escalation'), { containers: [{ name: 'app' }] }), [
    { path: ['spec', 'containers', 0, 'securityContext', 'allowPrivilegeEscalation'], message: 'container "app": securityContext.allowPrivilegeEscalation must be set to false' },
  ]);
  t.match(run(byId('pss-allow-privilege-escalation'), { containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: true } }] }), [
    { message: 'container "app": securityContext.allowPrivilegeEscalation must be false, not true', value: true },
  ]);
  t.match(run(byId('pss-capabilities-baseline'), { initContainers: [{ name: 'init', securityContext: { capabilities: { add: ['NET_RAW'] } } }] }), [
    { path: ['spec', 'initContainers', 0, 'securityContext', 'capabilities', 'add', 0], message: /^container "init": securityContext\.capabilities\.add must not include "NET_RAW"; only the default set may be added \(AUDIT_WRITE, / },
  ]);
  t.match(run(byId('pss-sysctls'), { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem' }] } }, {}, 'v1.31'), [
    { path: ['spec', 'securityContext', 'sysctls', 0, 'name'], message: /"net\.ipv4\.tcp_rmem" is not a safe sysctl at this version; allowed: kernel\.shm_rmid_forced, / },
  ]);
});
