/**
 * The built-in cluster policies judge any view without failing: summaries of odd objects, an empty
 * view, a view whose kinds were not all seen (a live scan without list rights). Where the view is
 * incomplete, the checks about something missing stay silent rather than guess.
 */
import t from 'tap';
import { loadLibrary } from '../../src/loader/load-policies.js';
import { ClusterViewBuilder, DEFAULT_POLICY_CONFIG, evaluateContext, resolveEngineConfig, type ClusterView } from '../../src/core/index.js';

const { registry, problems } = await loadLibrary();
const cluster = [...registry.policies.values()].filter((r) => r.policy.target === 'cluster');
const { config } = resolveEngineConfig({ ...DEFAULT_POLICY_CONFIG, profile: 'all' }, registry);

const rbac = 'rbac.authorization.k8s.io/v1';
const ODD: unknown[] = [
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a', labels: 'x' }, spec: { serviceAccountName: 7, volumes: [null, { projected: 'x' }, { projected: { sources: [null, { serviceAccountToken: null }] } }] } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'a', ownerReferences: [{ controller: true, uid: 5 }] }, spec: { template: 'x' } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n', namespace: 'a' }, spec: { podSelector: { matchExpressions: 'x' }, policyTypes: [5, 'Egress'] } },
  { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'agg', labels: { x: 'y' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }, 'x'] }, rules: [null, { verbs: '*' }, { apiGroups: ['*'], resources: ['*'], verbs: ['*'], resourceNames: 5 }] },
  { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 5, name: null }, subjects: [{ kind: 'Group', name: 'system:authenticated' }, { kind: 'ServiceAccount', name: 'x' }, 'x'] },
  { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'c' }, roleRef: { kind: 'ClusterRole', name: 'agg' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'a' }] },
  { apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'r', namespace: 'a' }, roleRef: { kind: 'Role' }, subjects: null },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'a' }, automountServiceAccountToken: 'no' },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', labels: [1] } },
];

function build(objects: unknown[], complete: 'all' | string[]): ClusterView {
  const b = new ClusterViewBuilder({ complete });
  for (const o of objects) b.add(o);
  return b.build();
}

t.test('the library has cluster policies, with fixtures run by test/library/fixtures.test.ts', async (t) => {
  t.same(problems, []);
  t.ok(cluster.length >= 6, `${cluster.length} cluster policies`);
});

t.test('odd and empty views: findings, never errors', async (t) => {
  for (const objects of [[], ODD]) {
    const r = evaluateContext(build(objects, 'all'), registry, config!);
    t.same(r.findings.filter((f) => f.kind === 'error').map((f) => `${f.policyId}: ${f.message}`), []);
    t.same(r.outcomes.filter((o) => o.outcome === 'error'), []);
    t.equal(r.outcomes.length, cluster.length, 'every cluster policy ran');
  }
  const odd = evaluateContext(build(ODD, 'all'), registry, config!);
  t.ok(odd.findings.some((f) => f.policyId === 'rbac-cluster-admin-equivalent' && f.object.kind === 'ServiceAccount'), 'the wildcard reached through aggregation is found even among odd entries');
});

t.test('an incomplete view: no finding about something missing', async (t) => {
  const r = evaluateContext(build(ODD, []), registry, config!);
  const absence = ['netpol-namespace-without-policy', 'netpol-workload-not-selected', 'rbac-binding-role-missing', 'rbac-role-unbound'];
  // A roleRef that can never resolve (a kind that is no role kind) is wrong whatever was listed.
  t.same(r.findings.filter((f) => absence.includes(f.policyId) && f.path !== 'roleRef.kind').map((f) => `${f.policyId} ${f.path}`), []);
  t.ok(r.findings.some((f) => f.policyId === 'rbac-binding-role-missing' && f.path === 'roleRef.kind'));
  t.ok(r.findings.some((f) => f.policyId === 'rbac-cluster-admin-equivalent'), 'what is there is still judged');
});

t.test('workload-token-secret-access: per-namespace group answers give what one grantsFor per account gives', async (t) => {
  const { describeGrantChain, describeObject } = await import('../../src/core/index.js');
  const secrets = (name: string, verbs = ['get']) => ({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs }] });
  const crb = (name: string, role: string, subjects: unknown[]) => ({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { kind: 'ClusterRole', name: role }, subjects });
  const rb = (ns: string, name: string, role: string, subjects: unknown[]) => ({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { kind: 'ClusterRole', name: role }, subjects });
  const pod = (ns: string, name: string, sa: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { serviceAccountName: sa, containers: [{ name: 'c', image: 'x' }] } });
  const objects: unknown[] = [
    ...[1, 2, 3, 4, 5, 6].map((i) => secrets(`read-${i}`, i === 2 ? ['list', 'watch'] : ['get'])),
    ...[1, 2, 3, 4].map((i) => crb(`all-${i}`, `read-${i}`, [{ kind: 'Group', name: 'system:authenticated' }])),
    crb('sas', 'read-5', [{ kind: 'Group', name: 'system:serviceaccounts' }]),
    rb('shop', 'ns-group', 'read-6', [{ kind: 'Group', name: 'system:serviceaccounts:shop' }]),
    rb('shop', 'own', 'read-1', [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }]),
    rb('shop', 'own-2', 'read-6', [{ kind: 'User', name: 'system:serviceaccount:shop:worker' }]),
    pod('shop', 'api', 'api'), pod('shop', 'worker', 'worker'), pod('shop', 'plain', 'default'), pod('other', 'plain', 'default'),
  ];
  const view = build(objects, 'all');
  const one = { ...config!, enabled: config!.enabled.filter((e) => e.id === 'workload-token-secret-access') };
  const found = new Map(evaluateContext(view, registry, one).findings.map((f) => [`${f.object.namespace}/${f.object.name}`, f]));
  // The reference: one grantsFor per account, as the policy once did it.
  const reference = (namespace: string, sa: string) => {
    const grants = view.grantsFor({ kind: 'ServiceAccount', namespace, name: sa }, [{ group: '', resources: ['secrets'], verbs: ['get', 'list', 'watch'] }], { viaGroups: true });
    const namespaces = [...new Set(grants.map((g) => (g.scope === 'cluster' ? '' : JSON.stringify(g.scope.namespace))))];
    const wide = grants.some((g) => g.scope === 'cluster') ? 'in every namespace' : `in namespace${namespaces.length > 1 ? 's' : ''} ${namespaces.join(', ')}`;
    const byRule = new Map<string, (typeof grants)[number]>();
    for (const g of grants) {
      const key = `${describeObject(g.binding.id)} ${describeObject(g.source.source.id)} ${g.source.rule.index}`;
      if (!byRule.has(key)) byRule.set(key, g);
    }
    const evidence = [...byRule.values()].map(describeGrantChain);
    return { wide, evidence: evidence.length > 5 ? [...evidence.slice(0, 5), `and ${evidence.length - 5} more grant(s)`] : evidence };
  };
  for (const [ns, name, sa] of [['shop', 'api', 'api'], ['shop', 'worker', 'worker'], ['shop', 'plain', 'default'], ['other', 'plain', 'default']] as const) {
    const f = found.get(`${ns}/${name}`);
    const want = reference(ns, sa);
    t.ok(f?.message.includes(`can read Secrets ${want.wide}:`), `${ns}/${name}: ${want.wide}`);
    t.same(f?.evidence, want.evidence, `${ns}/${name}: the same evidence in the same order`);
  }
  t.match(found.get('shop/api')?.evidence?.[0], /^RoleBinding "shop\/own"/, 'the account\'s own binding comes first');
  t.match(found.get('shop/api')?.evidence?.at(-1), /^and \d+ more grant\(s\)$/);
});
