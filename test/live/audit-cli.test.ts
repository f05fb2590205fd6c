/**
 * `kube-posture audit` as a user runs it (the real CLI, a real HTTP API server in the test): paging,
 * owner roll-up, forbidden kinds, expired continue tokens, what-if, exit codes. The real kube-apiserver
 * runs the same command in test/e2e/audit.test.ts.
 */
import t from 'tap';
import { join } from 'node:path';
import type { FakeObject } from '../helpers/fake-apiserver.js';
import { audit, fakeCluster } from '../helpers/audit-run.js';

const container = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'nginx:1.27', ...extra });
const template = (containers: unknown[]) => ({ metadata: { labels: { app: 'web' } }, spec: { containers } });
const owner = (kind: string, apiVersion: string, name: string, uid: string) => [{ apiVersion, kind, name, uid, controller: true }];
const privileged = { securityContext: { privileged: true } };

const OBJECTS: FakeObject[] = [
  ...['shop', 'team-a'].map((name) => ({ resource: 'namespaces', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: `ns-${name}`, labels: { 'kubernetes.io/metadata.name': name } } } })),
  { resource: 'deployments.apps', namespace: 'shop', object: { metadata: { name: 'web', namespace: 'shop', uid: 'd1', resourceVersion: '7', labels: { app: 'web' } }, spec: { selector: {}, template: template([container('app', privileged)]) } } },
  { resource: 'replicasets.apps', namespace: 'shop', object: { metadata: { name: 'web-abc', namespace: 'shop', uid: 'r1', labels: { app: 'web' }, ownerReferences: owner('Deployment', 'apps/v1', 'web', 'd1') }, spec: { selector: {}, template: template([container('app', privileged)]) } } },
  ...['p1', 'p2'].map((name) => ({ resource: 'pods', namespace: 'shop', object: { metadata: { name, namespace: 'shop', uid: name, labels: { app: 'web' }, ownerReferences: owner('ReplicaSet', 'apps/v1', 'web-abc', 'r1') }, spec: { containers: [container('app', privileged)] } } })),
  // Differs from its template: a host-network pod with the same owner is reported on its own.
  { resource: 'pods', namespace: 'shop', object: { metadata: { name: 'p3', namespace: 'shop', uid: 'p3', labels: { app: 'web' }, ownerReferences: owner('ReplicaSet', 'apps/v1', 'web-abc', 'r1') }, spec: { hostNetwork: true, containers: [container('app', privileged)] } } },
  // Baseline-clean, not restricted-clean: only a what-if to restricted denies it.
  { resource: 'pods', namespace: 'team-a', object: { metadata: { name: 'solo', namespace: 'team-a', uid: 'solo' }, spec: { containers: [container('app')] } } },
  { resource: 'clusterroles.rbac.authorization.k8s.io', object: { metadata: { name: 'everything', uid: 'cr1' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] } },
];

const setup = (t: { teardown(fn: () => Promise<void>): void }, options: Parameters<typeof fakeCluster>[2] = {}) => fakeCluster(t, OBJECTS, options);

type JsonReport = { summary: { objects: number; denied: number }; problems: { code: string; message: string }[]; objects: { kind: string; name: string; namespace?: string; uid: string; resourceVersion: string; cluster: string; allowed: boolean; findings: { policyId: string; path: string }[] }[] };

t.test('audit: every inspected kind listed in pages, pods judged through their owner unless they differ', async (t) => {
  const { api, kubeconfig } = await setup(t, { expireContinueOnce: new Set(['pods']) });
  const r = await audit(kubeconfig, ['-o', 'json', '--page-size', '1']);
  t.equal(r.code, 1, 'a privileged Deployment would be denied: exit 1');
  const report = JSON.parse(r.stdout) as JsonReport;
  const names = report.objects.map((o) => `${o.kind} ${o.namespace ?? ''}/${o.name}`).sort();
  // The Namespaces are there for the cluster policies: both run workloads and hold no NetworkPolicy.
  t.same(names, ['ClusterRole /everything', 'Deployment shop/web', 'Namespace /shop', 'Namespace /team-a', 'Pod shop/p3', 'Pod team-a/solo'], 'the ReplicaSet and the two identical pods roll up into the Deployment');
  const web = report.objects.find((o) => o.name === 'web')!;
  t.match(web, { uid: 'd1', resourceVersion: '7', cluster: 'fake-context', allowed: false });
  t.ok(web.findings.some((f) => f.policyId === 'pss-privileged' && f.path === 'spec.template.spec.containers[0].securityContext.privileged'));
  t.ok(report.objects.find((o) => o.name === 'p3')!.findings.some((f) => f.policyId === 'pss-host-namespaces'), 'the differing pod is reported with its own finding');
  t.equal(report.objects.find((o) => o.name === 'everything')?.allowed, false, 'wildcard ClusterRole');
  t.same(report.problems, []);
  t.ok(api.requests.some((q) => q.startsWith('/api/v1/pods?') && q.includes('continue=')), 'pods were listed in pages');
  t.ok(api.requests.every((q) => q.includes('limit=1') || q.startsWith('/api/v1/namespaces/')), 'every list asked for one object per page');

  const table = await audit(kubeconfig, ['--page-size', '2']);
  t.match(table.stdout, /cluster fake-context: \d+ object\(s\) listed \(.*Pod 4.*\); 3 judged through their owner's pod template \(ReplicaSet 1, Pod 2\)/);
});

t.test('audit: a forbidden kind is reported as not examined (exit 2), and the rest is still judged', async (t) => {
  const { kubeconfig } = await setup(t, { forbidden: new Set(['clusterroles.rbac.authorization.k8s.io']) });
  const r = await audit(kubeconfig, ['-o', 'json']);
  t.equal(r.code, 2, 'not everything could be examined: exit 2, never a silent pass');
  const report = JSON.parse(r.stdout) as JsonReport;
  t.match(report.problems, [{ code: 'KP_ERR_CLUSTER_LIST', message: /cannot list clusterroles\.rbac\.authorization\.k8s\.io: forbidden.*not examined/ }]);
  t.ok(report.objects.some((o) => o.name === 'web'), 'other kinds were still judged');
});

t.test('audit --namespace and --selector narrow what is listed', async (t) => {
  const { api, kubeconfig } = await setup(t);
  const r = await audit(kubeconfig, ['-o', 'json', '-n', 'team-a']);
  const report = JSON.parse(r.stdout) as JsonReport;
  t.same(report.objects.map((o) => o.name), ['solo', 'team-a'], 'the pod, and its namespace (no NetworkPolicy)');
  t.ok(api.requests.some((q) => q.startsWith('/api/v1/namespaces/team-a/pods?')), 'namespaced list path');
  t.notOk(api.requests.some((q) => q.includes('clusterroles')), 'cluster-scoped kinds are not listed for one namespace');
  t.equal(r.code, 0);
  const sel = await audit(kubeconfig, ['-o', 'json', '-l', 'app=web']);
  t.ok(api.requests.some((q) => q.includes('labelSelector=app%3Dweb')), 'the selector is passed to the API server');
  t.equal(sel.code, 1);
});

t.test('audit --what-if: the running objects a stricter setting would deny, new ones marked', async (t) => {
  const { kubeconfig } = await setup(t);
  const ns = await audit(kubeconfig, ['--what-if', 'namespace=team-a,enforce=restricted']);
  t.equal(ns.code, 1, 'something would be denied');
  t.match(ns.stdout, /What if namespace=team-a,enforce=restricted \(cluster fake-context\): 4 of 6 running object\(s\) would be denied, 1 of them not denied today/);
  t.match(ns.stdout, /namespace team-a\n {2}pss-allow-privilege-escalation:\n {4}Pod team-a\/solo \(new\)/);

  const profile = JSON.parse((await audit(kubeconfig, ['--what-if', 'profile=pss-restricted', '-o', 'json'])).stdout) as { summary: { wouldDeny: number; new: number }; wouldDeny: { name: string; new: boolean; policies: string[] }[] };
  const solo = profile.wouldDeny.find((w) => w.name === 'solo');
  t.equal(solo?.new, true);
  t.ok(solo?.policies.includes('pss-run-as-non-root'));
  t.notOk(profile.wouldDeny.some((w) => w.name === 'everything'), 'pss-restricted has no RBAC policies: the ClusterRole is not denied under it');

  const same = await audit(kubeconfig, ['--what-if', 'mode=enforce', '-o', 'json']);
  t.equal((JSON.parse(same.stdout) as { summary: { new: number } }).summary.new, 0, 'the setting in force denies nothing new');
  t.equal((await audit(kubeconfig, ['--what-if', 'namespace=team-a'])).code, 2, 'a malformed what-if is a usage error');
});

t.test('audit without usable cluster access exits 2 with a clear message', async (t) => {
  const { kubeconfig, dir } = await setup(t);
  const none = await audit(join(dir, 'missing'), []);
  t.equal(none.code, 2);
  t.match(none.stderr, /cluster access unusable/);
  const ctx = await audit(kubeconfig, ['--context', 'nope']);
  t.equal(ctx.code, 2);
  t.match(ctx.stderr, /no context "nope"/);
});

t.test('audit -o openreports: one Report per namespaced object with findings, ClusterReport for cluster-scoped, named after the uid', async (t) => {
  const { kubeconfig } = await setup(t);
  const r = await audit(kubeconfig, ['-o', 'openreports']);
  t.equal(r.code, 1);
  const { parseAllDocuments } = await import('yaml');
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; ownerReferences: { uid: string; kind: string }[] }; results: { policy: string; result: string }[] });
  const web = docs.find((d) => d.metadata.ownerReferences[0]?.uid === 'd1');
  t.match(web, { apiVersion: 'openreports.io/v1alpha1', kind: 'Report', metadata: { name: 'kube-posture-d1', namespace: 'shop', ownerReferences: [{ kind: 'Deployment', uid: 'd1' }] } });
  t.ok(web?.results.some((x) => x.policy === 'pss-privileged' && x.result === 'fail'));
  t.match(docs.find((d) => d.metadata.ownerReferences[0]?.uid === 'cr1'), { kind: 'ClusterReport', metadata: { name: 'kube-posture-cr1' } });
  t.notOk(docs.some((d) => d.metadata.ownerReferences[0]?.uid === 'p1'), 'rolled-up pods get no report of their own');
  const wg = await audit(kubeconfig, ['-o', 'policyreport']);
  t.match(wg.stdout, /apiVersion: wgpolicyk8s.io\/v1alpha2\nkind: PolicyReport/);
});
