import t from 'tap';
import { buildCatalogue, CONTROLS, FRAMEWORKS, lookupControl } from '../../src/catalogue/controls.js';
import { metadataProperties } from '../../src/core/policy-metadata-schema.js';
import { loadLibrary } from '../../src/loader/load-policies.js';
import { registryOf } from '../fixtures/catalogue-registry.js';

t.test('catalogue ids are unique, well-formed and belong to their framework', async (t) => {
  const ids = CONTROLS.map((c) => c.id);
  t.equal(new Set(ids).size, ids.length, 'no duplicate ids');
  const pattern = new RegExp(metadataProperties.controls.items.pattern);
  for (const c of CONTROLS) {
    t.ok(pattern.test(c.id), `${c.id} is a valid control id for policy metadata`);
    t.ok(c.id.startsWith(`${c.framework}:`), `${c.id} is in framework ${c.framework}`);
    t.ok(FRAMEWORKS.some((f) => f.id === c.framework), `${c.framework} is a known framework`);
    t.ok(c.title.trim().length > 0, `${c.id} has a title`);
  }
  for (const f of FRAMEWORKS) t.ok(CONTROLS.some((c) => c.framework === f.id), `${f.id} has controls`);
});

t.test('the catalogue knows every control the policy library is written against', async (t) => {
  const cis = [
    ...Array.from({ length: 13 }, (_, i) => `5.1.${i + 1}`),
    ...Array.from({ length: 13 }, (_, i) => `5.2.${i + 1}`),
    '5.3.1', '5.3.2', '5.4.1', '5.4.2', '5.5.1', '5.7.1', '5.7.2', '5.7.3', '5.7.4',
  ];
  const pss = [
    ...['privileged', 'capabilities_baseline', 'hostNamespaces', 'hostPathVolumes', 'hostPorts', 'hostProbesAndHostLifecycle', 'appArmorProfile', 'seLinuxOptions', 'procMount', 'seccompProfile_baseline', 'sysctls', 'windowsHostProcess'].map((c) => `baseline/${c}`),
    ...['restrictedVolumes', 'allowPrivilegeEscalation', 'runAsNonRoot', 'runAsUser', 'seccompProfile_restricted', 'capabilities_restricted'].map((c) => `restricted/${c}`),
  ];
  const nsa = ['pod-security', 'network-separation', 'authentication-authorization', 'audit-logging', 'upgrading-and-application-security'];
  const missing = [...cis.map((c) => `cis-k8s:${c}`), ...pss.map((c) => `pss:${c}`), ...nsa.map((c) => `nsa:${c}`)].filter((id) => lookupControl(id) === undefined);
  t.same(missing, [], 'CIS section 5, PSS checks and NSA sections are all in the catalogue');
});

t.test('buildCatalogue derives coverage from the policies and reports unknown ids', async (t) => {
  const registry = registryOf([
    { id: 'zeta', controls: ['cis-k8s:5.1.6', 'mitre:T1528'], recommended: 'warn' },
    { id: 'alpha', controls: ['cis-k8s:5.1.6', 'cis-k8s:5.9.9'], defaultAction: 'deny' },
    { id: 'plain', controls: [] },
  ]);
  const catalogue = buildCatalogue(registry);
  t.same(catalogue.controls.map((c) => c.id), CONTROLS.map((c) => c.id), 'every control, in catalogue order');
  const automount = catalogue.controls.find((c) => c.id === 'cis-k8s:5.1.6');
  t.same(automount?.policies.map((p) => [p.id, p.defaultAction, p.recommended]), [['alpha', 'deny', undefined], ['zeta', 'warn', 'warn']], 'covering policies sorted by id');
  t.same(catalogue.controls.find((c) => c.id === 'cis-k8s:5.1.1')?.policies, [], 'an uncovered control is listed with no policies');
  t.same(catalogue.unknown, [{ id: 'cis-k8s:5.9.9', policies: ['alpha'] }]);
});

t.test('no policy in the library names a control missing from the catalogue', async (t) => {
  const { registry, problems } = await loadLibrary();
  t.same(problems.map((p) => `${p.file ?? ''}: ${p.message}`), [], 'the library loads');
  t.ok(registry.policies.size > 0, 'the library has policies');
  const { unknown } = buildCatalogue(registry);
  t.same(
    unknown.map((u) => `${u.id} (named by ${u.policies.join(', ')})`),
    [],
    'add these control ids to src/catalogue/controls.ts, or fix the policy metadata',
  );
});
