/** kube-posture.io/ignore in `audit` (the real CLI against an API server): the core decides as for scan and the webhook. */
import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FakeObject } from '../helpers/fake-apiserver.js';
import { audit, fakeCluster } from '../helpers/audit-run.js';

const annotated = (name: string, annotations: Record<string, string>): FakeObject => ({
  resource: 'pods', namespace: 'shop',
  object: { metadata: { name, namespace: 'shop', uid: name, annotations }, spec: { containers: [{ name: 'app', image: 'nginx:latest', securityContext: { privileged: true } }] } },
});
const OBJECTS: FakeObject[] = [
  annotated('ignored', { 'kube-posture.io/ignore': 'disallow-latest-tag,pss-privileged', 'kube-posture.io/ignore-reason': 'break-glass INC-9' }),
  annotated('no-reason', { 'kube-posture.io/ignore': 'disallow-latest-tag' }),
];
type JsonReport = { objects: { name: string; allowed: boolean; policyExemptions?: { policyId: string; reason: string }[]; findings: { policyId: string; message: string }[] }[] };

t.test('audit: a warn policy is exempt with its reason, a deny one is not unless the configuration allows it', async (t) => {
  const { kubeconfig, dir } = await fakeCluster(t, OBJECTS);
  const r = await audit(kubeconfig, ['-o', 'json']);
  t.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as JsonReport;
  const ignored = report.objects.find((o) => o.name === 'ignored')!;
  t.same(ignored.policyExemptions?.filter((e) => e.policyId === 'disallow-latest-tag'), [{ policyId: 'disallow-latest-tag', reason: 'annotation kube-posture.io/ignore: break-glass INC-9' }]);
  t.notOk(ignored.findings.some((f) => f.policyId === 'disallow-latest-tag'));
  t.match(ignored.findings.find((f) => f.policyId === 'pss-privileged')?.message, /not honoured for a deny-level policy/);
  t.equal(ignored.allowed, false);
  t.match(report.objects.find((o) => o.name === 'no-reason')!.findings.find((f) => f.policyId === 'disallow-latest-tag')?.message, /not honoured: no kube-posture\.io\/ignore-reason/);

  const config = join(dir, 'all.yaml');
  await writeFile(config, 'ignoreAnnotations: { allow: all }\n');
  const all = JSON.parse((await audit(kubeconfig, ['-o', 'json', '--config', config])).stdout) as JsonReport;
  const now = all.objects.find((o) => o.name === 'ignored')!;
  t.notOk(now.findings.some((f) => f.policyId === 'pss-privileged'), 'allow: all switches the deny policy off');
  t.ok(now.policyExemptions?.some((e) => e.policyId === 'pss-privileged'), 'and reports it as exempt');
});

/** Namespaces that run a pod and hold no NetworkPolicy: `netpol-namespace-without-policy` (a cluster policy) reports each. */
const namespace = (name: string, annotations?: Record<string, string>): FakeObject => ({ resource: 'namespaces', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: `ns-${name}`, ...(annotations ? { annotations } : {}) } } });
const podIn = (ns: string): FakeObject => ({ resource: 'pods', namespace: ns, object: { metadata: { name: 'job', namespace: ns, uid: `pod-${ns}` }, spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0' }] } } });
const CLUSTER_OBJECTS: FakeObject[] = [
  namespace('lab', { 'kube-posture.io/ignore': 'netpol-namespace-without-policy', 'kube-posture.io/ignore-reason': 'batch sandbox; NET-12' }),
  namespace('bare', { 'kube-posture.io/ignore': 'netpol-namespace-without-policy' }),
  namespace('plain'),
  podIn('lab'), podIn('bare'), podIn('plain'),
];
type NsReport = { objects: { kind: string; name: string; uid: string; policyExemptions?: { policyId: string; reason: string }[]; findings: { policyId: string; action: string; message: string }[] }[] };
const NETPOL = 'netpol-namespace-without-policy';

t.test('audit: a cluster policy honours kube-posture.io/ignore on the object its finding is about, by the same rule', async (t) => {
  const { kubeconfig, dir } = await fakeCluster(t, CLUSTER_OBJECTS);
  const ns = (report: NsReport, name: string) => report.objects.find((o) => o.kind === 'Namespace' && o.name === name);
  const r = await audit(kubeconfig, ['-o', 'json', '--profile', 'recommended']);
  t.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as NsReport;
  t.notOk(ns(report, 'lab')?.findings.some((f) => f.policyId === NETPOL), 'switched off for the annotated namespace');
  t.same(ns(report, 'lab')?.policyExemptions, [{ policyId: NETPOL, reason: 'annotation kube-posture.io/ignore: batch sandbox; NET-12' }], 'reported as exempt with its reason');
  t.equal(ns(report, 'lab')?.uid, 'ns-lab');
  t.match(ns(report, 'bare')?.findings.find((f) => f.policyId === NETPOL)?.message, /\(kube-posture\.io\/ignore not honoured: no kube-posture\.io\/ignore-reason annotation\)$/);
  t.equal(ns(report, 'plain')?.findings.find((f) => f.policyId === NETPOL)?.action, 'warn', 'namespaces without the annotation are still reported');

  const table = await audit(kubeconfig, ['--profile', 'recommended']);
  t.match(table.stdout, /exempt netpol-namespace-without-policy: annotation kube-posture\.io\/ignore: batch sandbox; NET-12/);

  const one = JSON.parse((await audit(kubeconfig, ['-o', 'json', '--profile', 'recommended', '-n', 'lab'])).stdout) as NsReport;
  t.notOk(one.objects.some((o) => o.findings.some((f) => f.policyId === NETPOL)), '-n: the namespace read on its own keeps its annotation');

  const deny = join(dir, 'deny.yaml');
  await writeFile(deny, `policies:\n  ${NETPOL}: { action: deny }\n`);
  const denied = await audit(kubeconfig, ['-o', 'json', '--profile', 'recommended', '--config', deny]);
  t.equal(denied.code, 1, 'a deny-level cluster policy is not ignorable by default');
  t.match(ns(JSON.parse(denied.stdout) as NsReport, 'lab')?.findings.find((f) => f.policyId === NETPOL)?.message, /not honoured for a deny-level policy \(ignoreAnnotations\.allow: warn-only\)/);
  const denyAll = join(dir, 'deny-all.yaml');
  await writeFile(denyAll, `policies:\n  ${NETPOL}: { action: deny }\nignoreAnnotations: { allow: all }\n`);
  const allowed = await audit(kubeconfig, ['-o', 'json', '--profile', 'recommended', '--config', denyAll]);
  t.equal(allowed.code, 1, 'bare and plain are still denied');
  t.same(ns(JSON.parse(allowed.stdout) as NsReport, 'lab')?.policyExemptions?.map((e) => e.policyId), [NETPOL], 'allow: all switches it off');
});
