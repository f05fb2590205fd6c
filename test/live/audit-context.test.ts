/**
 * `kube-posture audit` with the cluster policies, against the fake API server: the kinds the view needs
 * are listed too, findings join the results of the objects they name (or make one, with the uid the
 * listing gave), a kind that could not be listed leaves the checks about absence silent, and a broken
 * cluster policy is an error finding rather than a crash.
 */
import t from 'tap';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FakeObject } from '../helpers/fake-apiserver.js';
import { audit, fakeCluster } from '../helpers/audit-run.js';

const RBAC = 'clusterroles.rbac.authorization.k8s.io';
const template = (labels: Record<string, string>, spec: Record<string, unknown> = {}) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'app:1.0' }], ...spec } });
const OBJECTS: FakeObject[] = [
  ...['shop', 'team'].map((name) => ({ resource: 'namespaces', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: `ns-${name}`, labels: { 'kubernetes.io/metadata.name': name } } } })),
  { resource: 'deployments.apps', namespace: 'team', object: { metadata: { name: 'bot', namespace: 'team', uid: 'd1', resourceVersion: '3', labels: { app: 'bot' } }, spec: { selector: {}, template: template({ app: 'bot' }, { serviceAccountName: 'bot' }) } } },
  { resource: 'replicasets.apps', namespace: 'team', object: { metadata: { name: 'bot-1', namespace: 'team', uid: 'r1', labels: { app: 'bot' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'bot', uid: 'd1', controller: true }] }, spec: { selector: {}, template: template({ app: 'bot' }, { serviceAccountName: 'bot' }) } } },
  { resource: 'deployments.apps', namespace: 'shop', object: { metadata: { name: 'web', namespace: 'shop', uid: 'd2', labels: { app: 'web' } }, spec: { selector: {}, template: template({ app: 'web' }, { automountServiceAccountToken: false }) } } },
  { resource: 'networkpolicies.networking.k8s.io', namespace: 'shop', object: { metadata: { name: 'deny', namespace: 'shop', uid: 'np1' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } } },
  { resource: 'serviceaccounts', namespace: 'team', object: { metadata: { name: 'bot', namespace: 'team', uid: 'sa1', resourceVersion: '11' } } },
  { resource: RBAC, object: { metadata: { name: 'ops', uid: 'cr1' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }, { apiGroups: [''], resources: ['pods'], verbs: ['create'] }] } },
  { resource: 'clusterrolebindings.rbac.authorization.k8s.io', object: { metadata: { name: 'ops', uid: 'crb1' }, roleRef: { kind: 'ClusterRole', name: 'ops' }, subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'team' }, { kind: 'User', name: 'alice' }] } },
  { resource: 'rolebindings.rbac.authorization.k8s.io', namespace: 'team', object: { metadata: { name: 'dangling', namespace: 'team', uid: 'rb1' }, roleRef: { kind: 'Role', name: 'gone' }, subjects: [{ kind: 'ServiceAccount', name: 'bot' }] } },
];

const setup = (t: { teardown(fn: () => Promise<void>): void }, options: Parameters<typeof fakeCluster>[2] = {}) => fakeCluster(t, OBJECTS, options);

type JsonReport = { problems: { message: string }[]; objects: { kind: string; name: string; namespace?: string; uid: string; resourceVersion: string; allowed: boolean; findings: { policyId: string; kind: string; path: string; message: string; evidence?: string[] }[] }[] };
const CONTEXT = /^(netpol-namespace-without-policy|netpol-workload-not-selected|rbac-cluster-admin-equivalent|rbac-binding-role-missing|workload-token-secret-access)$/;
const contextFindings = (report: JsonReport) => report.objects.flatMap((o) => o.findings.filter((f) => CONTEXT.test(f.policyId)).map((f) => `${f.policyId} ${o.kind} ${o.namespace ?? ''}/${o.name} uid=${o.uid}`)).sort();

t.test('audit: the view kinds are listed and the cluster policies judge the cluster', async (t) => {
  const { api, kubeconfig } = await setup(t);
  const r = await audit(kubeconfig, ['-o', 'json', '--page-size', '2']);
  t.equal(r.code, 0, 'warnings only');
  const report = JSON.parse(r.stdout) as JsonReport;
  t.same(report.problems, []);
  t.same(contextFindings(report), [
    'netpol-namespace-without-policy Namespace /team uid=ns-team',
    'rbac-binding-role-missing RoleBinding team/dangling uid=rb1',
    'rbac-cluster-admin-equivalent ServiceAccount team/bot uid=sa1',
    'rbac-cluster-admin-equivalent User /alice uid=',
    'workload-token-secret-access Deployment team/bot uid=d1',
  ], 'on the owner, not its ReplicaSet; on listed objects with their uid; on a User with none');
  t.equal(report.objects.find((o) => o.kind === 'ServiceAccount')?.resourceVersion, '11');
  t.equal(report.objects.filter((o) => o.name === 'bot' && o.kind === 'Deployment').length, 1, 'merged into the Deployment\'s result');
  t.ok(api.requests.some((q) => q.startsWith('/api/v1/serviceaccounts?')), 'service accounts are listed for the view');
  t.equal(api.requests.filter((q) => q.startsWith('/api/v1/namespaces?')).length, 1, 'namespaces are listed once, for labels and the view');
  t.notOk(report.objects.some((o) => o.kind === 'ServiceAccount' && o.findings.length === 0), 'objects listed only for the view get no empty results');
});

t.test('audit: a kind that cannot be listed silences the checks about absence, and says so', async (t) => {
  const { kubeconfig } = await setup(t, { forbidden: new Set(['networkpolicies.networking.k8s.io', 'roles.rbac.authorization.k8s.io']) });
  const r = await audit(kubeconfig, ['-o', 'json']);
  t.equal(r.code, 2);
  const report = JSON.parse(r.stdout) as JsonReport;
  t.match(report.problems.map((p) => p.message).join('\n'), /cannot list networkpolicies/);
  const found = contextFindings(report);
  t.notOk(found.some((f) => f.startsWith('netpol-')), 'no NetworkPolicy listing, no "namespace without NetworkPolicy"');
  t.notOk(found.some((f) => f.startsWith('rbac-binding-role-missing')), 'no Role listing, no "role does not exist"');
  t.ok(found.some((f) => f.startsWith('rbac-cluster-admin-equivalent')), 'what was seen is still judged');
});

t.test('audit --selector lists view-only kinds whole; a throwing cluster policy is an error finding', async (t) => {
  const { api, kubeconfig, dir } = await setup(t);
  const policyDir = join(dir, 'policies', 'broken-view');
  await mkdir(policyDir, { recursive: true });
  await writeFile(join(policyDir, 'policy.ts'), `import { defineClusterPolicy } from 'kube-posture/policy';
export default defineClusterPolicy({
  id: 'broken-view', title: 'Broken', description: 'Throws.', severity: 'low', category: 'test', controls: [], remediation: 'Fix it.',
  defaultAction: 'warn', viewKinds: ['Namespace'],
  check() { throw new Error('kaput'); },
});
`);
  const r = await audit(kubeconfig, ['-o', 'json', '-l', 'app=bot']);
  t.equal(r.code, 0);
  t.ok(api.requests.some((q) => q.startsWith('/api/v1/serviceaccounts?') && !q.includes('labelSelector')), 'view-only kinds are not narrowed by the selector');
  t.ok(api.requests.some((q) => q.startsWith('/apis/apps/v1/deployments?') && q.includes('labelSelector=app%3Dbot')), 'judged kinds are');
  const withBroken = await audit(kubeconfig, ['-o', 'json', '--policy-dir', join(dir, 'policies'), '--profile', 'all']);
  const report = JSON.parse(withBroken.stdout) as JsonReport;
  const cluster = report.objects.find((o) => o.kind === 'Cluster');
  t.match(cluster?.findings, [{ policyId: 'broken-view', kind: 'error', message: 'policy failed: kaput' }]);
  t.ok(report.objects.some((o) => o.findings.some((f) => f.policyId === 'rbac-cluster-admin-equivalent')), 'the other cluster policies still ran');
});
