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
