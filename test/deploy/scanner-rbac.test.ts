/**
 * The scanner's ClusterRole reads exactly what a live scan lists for the same configuration: for every
 * profile and a set of per-policy overrides, its get/list/watch rules equal the collections
 * `auditCluster()` (the scan the controller keeps current) asks the API server for. The chart computes
 * the rules in Go templates from files/scanner-rules.json (Helm cannot run TypeScript); this test is what
 * keeps the two in step, and generated.test.ts keeps that file in step with the policy library.
 *
 * Then what the scanner writes: reports (OpenReports always, PolicyReports only for the wgpolicy format)
 * and its one Lease, and never Secrets or a wildcard, whatever the values say.
 */
import t, { type Test } from 'tap';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import { PROFILE_NAMES } from '../../src/core/registry.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { auditCluster } from '../../src/live/audit.js';
import type { ApiClient } from '../../src/cluster/api.js';
import { policyReadKinds } from '../../scripts/manifests/scanner-rules-data.js';
import { chartWithLibrary, findHelm, readResources, renderChart, scannerObject, type K8sObject, type RbacRule } from './render.js';

if (!(await findHelm())) {
  t.fail('helm not found: npm test builds it first (its pretest script runs scripts/install-helm.sh); run that script when running test files directly');
  process.exit(1);
}

const FIXTURE_LIBRARY = fileURLToPath(new URL('./fixtures/policies', import.meta.url));
const READ = ['get', 'list', 'watch'];

/** An API server with nothing in it that records which collections were listed, as `group/resource`. */
function recordingApi(): { api: ApiClient; listed: Set<string> } {
  const listed = new Set<string>();
  const api: ApiClient = {
    server: 'https://fake.invalid',
    async getJson(path: string) {
      const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/([^/?]+)(?:\?|$)/.exec(path);
      if (!m) throw new Error(`unexpected GET ${path}`);
      listed.add(`${m[1] ?? ''}/${m[2]}`);
      return { items: [], metadata: { resourceVersion: '1' } };
    },
    async request() {
      throw new Error('a scan never writes');
    },
    // eslint-disable-next-line require-yield
    async *watch() {
      throw new Error('a scan never watches');
    },
  };
  return { api, listed };
}

interface Scenario {
  name: string;
  profile: string;
  policies?: Record<string, unknown>;
}

/** What `auditCluster()` lists under this configuration. */
async function listedByScan(s: Scenario, libraryDirs: string[]): Promise<string[]> {
  const text = stringify({ profile: s.profile, mode: 'enforce', policies: s.policies ?? {}, policyDirectories: libraryDirs });
  const set = await buildPolicySet(parseConfig(text), libraryDirs.length > 0 ? { builtinDir: false } : {});
  const { api, listed } = recordingApi();
  await auditCluster(api, [{ set }], { cluster: 'test' });
  return [...listed].sort();
}

function scannerRole(objects: readonly K8sObject[]): RbacRule[] {
  const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.labels?.['app.kubernetes.io/component'] === 'scanner');
  if (!role) throw new Error('no scanner ClusterRole rendered');
  return role.rules as RbacRule[];
}

async function check(t: Test, s: Scenario, chartDir: string | undefined, libraryDirs: string[]): Promise<string[]> {
  const expected = await listedByScan(s, libraryDirs);
  const rules = scannerRole(await renderChart({ profile: s.profile, config: { policies: s.policies ?? {} } }, chartDir ? { chartDir } : {}));
  const reads = rules.filter((r) => r.verbs.every((v) => READ.includes(v)));
  t.same(readResources(reads), expected, `${s.name}: the scanner may get/list/watch exactly what a scan lists`);
  t.ok(reads.every((r) => r.verbs.join() === READ.join()), `${s.name}: read rules grant get, list and watch`);
  return expected;
}

const OVERRIDES: Scenario[] = [
  { name: 'a policy enabled outside the profile by its action', profile: 'pss-baseline', policies: { 'rbac-role-unbound': { action: 'warn' } } },
  { name: 'enabled: true at the default action', profile: 'none', policies: { 'netpol-namespace-without-policy': { enabled: true } } },
  { name: 'every cluster policy disabled', profile: 'recommended', policies: Object.fromEntries(['netpol-namespace-without-policy', 'netpol-workload-not-selected', 'rbac-binding-role-missing', 'rbac-cluster-admin-equivalent', 'rbac-role-unbound', 'workload-token-secret-access'].map((id) => [id, { enabled: false }])) },
];

t.test('the built-in library: every profile, and overrides', async (t) => {
  const byProfile = new Map<string, string[]>();
  for (const profile of PROFILE_NAMES) byProfile.set(profile, await check(t, { name: `builtin ${profile}`, profile }, undefined, []));
  for (const s of OVERRIDES) await check(t, s, undefined, []);
  // Not vacuous: profiles differ, and cluster policies add kinds no admission check of theirs needs.
  t.not(byProfile.get('none')!.join(), byProfile.get('all')!.join(), 'profile none reads less than profile all');
  t.ok(byProfile.get('none')!.includes('/namespaces') && byProfile.get('none')!.includes('/pods'), 'namespaces and pod kinds are read whatever is enabled (namespace labels can switch on PSS checks)');
  t.ok(byProfile.get('recommended')!.includes('rbac.authorization.k8s.io/rolebindings'), 'recommended reads RoleBindings');
});

t.test('the test library: every profile, and a DELETE-only policy reads nothing', async (t) => {
  const { chartDir, cleanup } = await chartWithLibrary(FIXTURE_LIBRARY);
  t.teardown(cleanup);
  for (const profile of PROFILE_NAMES) await check(t, { name: `test library ${profile}`, profile }, chartDir, [FIXTURE_LIBRARY]);
  await check(t, { name: 'fx-netpol-delete on', profile: 'none', policies: { 'fx-netpol-delete': { action: 'deny' } } }, chartDir, [FIXTURE_LIBRARY]);
  await check(t, { name: 'fx-ingress-tls on', profile: 'none', policies: { 'fx-ingress-tls': { enabled: true } } }, chartDir, [FIXTURE_LIBRARY]);
});

t.test('a policy that inspects Secrets fails the generation instead of widening the grant', async (t) => {
  const secrets = {
    id: 'fx-secret-type',
    title: 'x', description: 'x', severity: 'low', category: 'workload', defaultAction: 'warn', controls: [], remediation: 'x',
    target: 'object', match: { kinds: ['Secret'] }, check: () => [],
  };
  const { registerPolicy } = await import('../../src/core/registry.js');
  const reg = registerPolicy({ policy: secrets, source: { origin: 'user', file: 'x.ts', format: 'module' } });
  if (!reg.ok) throw new Error(`the test policy does not register: ${JSON.stringify(reg.problems)}`);
  const registry = { policies: new Map([['fx-secret-type', reg.value]]), profiles: new Map() };
  const ps = await buildPolicySet(parseConfig('profile: none\n'), { builtinDir: false });
  t.throws(() => policyReadKinds(registry as never, ps.engine, 'fx-secret-type'), /never granted Secret/);
});

t.test('writes: reports by format, the Lease by name; never secrets, never a wildcard', async (t) => {
  for (const format of ['openreports', 'wgpolicy', 'none']) {
    const objects = await renderChart({ scanner: { reports: { format } } });
    const rules = scannerRole(objects);
    const writes = rules.filter((r) => r.verbs.some((v) => !READ.includes(v)));
    const groups = writes.flatMap((r) => r.apiGroups).sort();
    t.same(groups, format === 'wgpolicy' ? ['openreports.io', 'wgpolicyk8s.io'] : ['openreports.io'], `${format}: report groups written`);
    const reportVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    t.same(writes.find((r) => r.apiGroups[0] === 'openreports.io'), { apiGroups: ['openreports.io'], resources: ['reports', 'clusterreports'], verbs: reportVerbs }, `${format}: OpenReports Reports and ClusterReports (kept in every format: earlier reports can be deleted)`);
    if (format === 'wgpolicy') t.same(writes.find((r) => r.apiGroups[0] === 'wgpolicyk8s.io'), { apiGroups: ['wgpolicyk8s.io'], resources: ['policyreports', 'clusterpolicyreports'], verbs: reportVerbs }, 'PolicyReports and ClusterPolicyReports');
    t.notOk(rules.some((r) => r.resources.includes('secrets')), `${format}: no secrets`);
    t.notOk(rules.some((r) => [...r.apiGroups, ...r.resources, ...r.verbs].some((x) => x.includes('*'))), `${format}: no wildcards`);
  }

  const objects = await renderChart({}, { releaseName: 'kp', namespace: 'security' });
  const role = objects.find((o) => o.kind === 'Role')!;
  t.equal(role.metadata.namespace, 'security', 'the Lease Role is in the release namespace');
  const deploy = scannerObject(objects, 'Deployment')!;
  const args = (deploy.spec as any).template.spec.containers[0].args as string[];
  const lease = args.find((a) => a.startsWith('--lease-name='))!.slice('--lease-name='.length);
  t.same(role.rules, [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [lease], verbs: ['get', 'update', 'patch'] },
  ], 'create any Lease (cannot be limited by name); get, update, patch only the one named in --lease-name');
  t.equal(lease, 'kp-kube-posture-scanner', 'one Lease per release');
  t.ok(args.includes('--leader-elect'), 'leader election on');
  const binding = objects.find((o) => o.kind === 'RoleBinding')!;
  const sa = scannerObject(objects, 'ServiceAccount')!;
  t.same((binding as any).subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'security' }], 'bound to the scanner ServiceAccount');
  const crb = objects.find((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name === 'kp-kube-posture-scanner')!;
  t.same((crb as any).subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'security' }], 'the ClusterRole too');
  t.not(sa.metadata.name, objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name !== sa.metadata.name)?.metadata.name, 'not the webhook ServiceAccount');
});

t.test('extra read rules for user policies: rendered read-only; secrets and wildcards rejected by the schema', async (t) => {
  const extra = [{ apiGroups: ['example.com'], resources: ['widgets'] }];
  const rules = scannerRole(await renderChart({ scanner: { extraReadRules: extra } }));
  t.ok(rules.some((r) => r.apiGroups.join() === 'example.com' && r.resources.join() === 'widgets' && r.verbs.join() === READ.join()), 'widgets: get, list, watch');
  const bad = {
    secrets: [{ apiGroups: [''], resources: ['secrets'] }],
    'a secrets sub-resource': [{ apiGroups: [''], resources: ['secrets/status'] }],
    'wildcard resource': [{ apiGroups: ['example.com'], resources: ['*'] }],
    'wildcard group': [{ apiGroups: ['*'], resources: ['widgets'] }],
    'verbs are not a value': [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['create'] }],
  };
  for (const [name, extraReadRules] of Object.entries(bad)) {
    await t.rejects(renderChart({ scanner: { extraReadRules } }), /values don't meet the specifications of the schema/, `${name}: rejected`);
  }
});
