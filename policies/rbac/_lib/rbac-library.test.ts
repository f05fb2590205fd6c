import t from 'tap';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_POLICY_CONFIG, LATEST_PSS_VERSION, decide, defaultsOf, evaluate, inputFromObject, loadLibrary, resolveEngineConfig,
} from '../../../src/sdk-testing.js';
import type { UserInfo } from '../../../src/sdk.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { registry, problems } = await loadLibrary({ builtinDir: dir });
const all = [...registry.policies.values()].map((r) => r.policy);
// The cluster policies (judged over the cluster view) have their own tests: test/library/cluster-policies.test.ts.
const policies = all.filter((p) => p.target !== 'cluster');
const clusterPolicies = all.filter((p) => p.target === 'cluster');

// The dangerous grants the recommended profile denies; every other RBAC policy warns.
const DENY = [
  'rbac-no-wildcard-verbs', 'rbac-no-wildcard-resources', 'rbac-no-wildcard-api-groups',
  'rbac-no-escalate-verb', 'rbac-no-bind-verb', 'rbac-no-impersonate-verb',
  'rbac-no-cluster-admin-binding', 'rbac-no-system-masters-binding', 'rbac-no-anonymous-binding',
];

t.test('the RBAC library loads with complete metadata', async (t) => {
  t.same(problems, []);
  t.ok(policies.length >= 20, `${policies.length} RBAC policies`);
  for (const p of policies) {
    t.equal(p.category, 'rbac', p.id);
    t.ok(p.controls.some((c: string) => c.startsWith('nsa:')), `${p.id} maps to NSA`);
    t.equal(p.recommended, DENY.includes(p.id) ? 'deny' : 'warn', `${p.id} recommended action`);
    t.equal((p.parameters as { properties: Record<string, { default?: unknown }> }).properties.exemptSystemRoles?.default, true, `${p.id} exempts system roles by default`);
  }
  for (const id of DENY) t.ok(registry.policies.has(id), id);
  t.same(clusterPolicies.map((p) => p.id).sort(), ['rbac-binding-role-missing', 'rbac-cluster-admin-equivalent', 'rbac-role-unbound']);
  for (const p of clusterPolicies) {
    t.equal(p.category, 'rbac', p.id);
    t.ok(p.controls.some((c: string) => c.startsWith('nsa:')), `${p.id} maps to NSA`);
    // The webhook never runs them: in scan and audit a warning is the loudest they say by default; hygiene stays out.
    t.equal(p.recommended, p.severity === 'info' ? undefined : 'warn', `${p.id} recommended action`);
    t.equal((p.parameters as { properties: Record<string, { default?: unknown }> }).properties.exemptSystemRoles?.default, true, `${p.id} exempts system roles by default`);
  }
  const cis = new Set(all.flatMap((p) => p.controls).filter((c: string) => c.startsWith('cis-k8s:5.1.')));
  for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13]) t.ok(cis.has(`cis-k8s:5.1.${n}`), `CIS 5.1.${n} covered`);
});

t.test('checks are total on malformed objects', async (t) => {
  const odd: unknown[] = [
    {}, { rules: null }, { rules: 'x' }, { rules: [null, 1, 'x', [], { verbs: 'x', resources: {}, apiGroups: [null] }] },
    { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'], resourceNames: 5, nonResourceURLs: [{}] }] },
    { metadata: 'x', subjects: 'x', roleRef: 'x' }, { subjects: [null, { kind: 5, name: {} }], roleRef: { kind: [], name: null } },
    { metadata: { name: 5, labels: 'x' }, aggregationRule: { clusterRoleSelectors: [null, 'x', { matchLabels: 'x', matchExpressions: [null, { key: 1 }] }] } },
    { metadata: { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ verbs: ['*'] }, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
  ];
  for (const p of policies) {
    if (p.target !== 'object') {
      t.fail(`${p.id} should be an object policy`);
      continue;
    }
    for (const kind of ['ClusterRole', 'Role', 'RoleBinding', 'ClusterRoleBinding']) {
      for (const o of odd) {
        const object = { apiVersion: 'rbac.authorization.k8s.io/v1', kind, ...(o as object) };
        const input = inputFromObject(object, { userInfo: { username: 'alice' } });
        let out: unknown;
        t.doesNotThrow(() => { out = p.check(object, { params: defaultsOf(p.parameters), version: LATEST_PSS_VERSION, input }); }, `${p.id} on ${kind}`);
        t.ok(Array.isArray(out));
      }
    }
  }
});

t.test('recommended profile in admission: deny dangerous grants, warn on the rest, trust system names only from the control plane', async (t) => {
  const { config, problems: configProblems } = resolveEngineConfig({ ...DEFAULT_POLICY_CONFIG, profile: 'recommended' }, registry);
  t.same(configProblems, []);
  const run = (object: unknown, userInfo?: UserInfo) => decide(evaluate(inputFromObject(object, userInfo ? { userInfo } : {}), registry, config!));
  const alice: UserInfo = { username: 'alice', groups: ['system:authenticated'] };

  const wildcard = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] };
  const denied = run(wildcard, alice);
  t.equal(denied.allowed, false);
  t.match(denied.message, /rbac-no-wildcard-verbs/);

  const secrets = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'a' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] };
  const warned = run(secrets, alice);
  t.equal(warned.allowed, true);
  t.ok(warned.warnings.some((w) => w.includes('rbac-no-secrets-read') || w.includes('Secrets')), 'secret reads warn');

  const sneaky = { ...wildcard, metadata: { name: 'system:sneaky' } };
  t.equal(run(sneaky, alice).allowed, false, 'a system: name chosen by an ordinary user exempts nothing');
  t.equal(run(sneaky, { username: 'system:apiserver', groups: ['system:authenticated'] }).allowed, true, 'the control plane may write its own roles');
  t.equal(run(sneaky).allowed, true, 'without user info (manifest scan) the name is trusted');

  const bootstrapCrb = {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
    metadata: { name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'Group', name: 'system:masters' }],
  };
  t.equal(run(bootstrapCrb, { username: 'kubernetes-admin', groups: ['system:masters'] }).allowed, true);
  t.equal(run(bootstrapCrb, { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] }).allowed, false, 'a copied bootstrapping label exempts nothing');
});
