/**
 * `kube-posture audit` (the real CLI, a real HTTP API server in the test) with Trivy Operator's
 * VulnerabilityReports: listed in pages when a policy requires image scan results, the report of a
 * Deployment's ReplicaSet judged on the Deployment, an image without a report flagged as not scanned;
 * not served (no CRD) or forbidden is a note and the two policies are not run, never a crash or an error
 * exit; nothing listed when no such policy is enabled. The real kube-apiserver runs the same in
 * test/e2e/vulnerabilities.test.ts.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { FakeObject } from '../helpers/fake-apiserver.js';
import { audit, fakeCluster } from '../helpers/audit-run.js';

const VR = 'vulnerabilityreports.aquasecurity.github.io';
const report = parse(readFileSync('test/fixtures/trivy-operator/replicaset-web-nginx.yaml', 'utf8')) as { metadata: Record<string, unknown> };
const owner = (kind: string, name: string, uid: string) => [{ apiVersion: 'apps/v1', kind, name, uid, controller: true }];
const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } });

const OBJECTS: FakeObject[] = [
  { resource: 'namespaces', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: 'ns-shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } } },
  { resource: 'deployments.apps', namespace: 'shop', object: { metadata: { name: 'web', namespace: 'shop', uid: 'd1' }, spec: { selector: {}, template: template('nginx:1.25.3') } } },
  { resource: 'replicasets.apps', namespace: 'shop', object: { metadata: { name: 'web-7d9c8b6f5', namespace: 'shop', uid: '6a1d2c4e-0b7f-4c55-9b1e-3f2a8d9e0c11', ownerReferences: owner('Deployment', 'web', 'd1') }, spec: { selector: {}, template: template('nginx:1.25.3') } } },
  { resource: 'deployments.apps', namespace: 'shop', object: { metadata: { name: 'other', namespace: 'shop', uid: 'd2' }, spec: { selector: {}, template: template('registry.example/other:2') } } },
  { resource: VR, namespace: 'shop', object: { ...report, metadata: { ...report.metadata, uid: 'vr1' } } as Record<string, unknown> },
];

type JsonReport = { problems: unknown[]; objects: { kind: string; name: string; findings: { policyId: string; category: string; message: string }[] }[] };
const findings = (r: JsonReport, name: string) => r.objects.find((o) => o.kind === 'Deployment' && o.name === name)?.findings.filter((f) => f.category === 'vulnerability').map((f) => f.policyId) ?? [];

t.test('reports listed in pages; the ReplicaSet\'s report speaks for the Deployment; an unscanned image is flagged', async (t) => {
  const { api, kubeconfig } = await fakeCluster(t, OBJECTS);
  const r = await audit(kubeconfig, ['-o', 'json', '--page-size', '1']);
  t.equal(r.code, 0, `warn findings only: exit 0 (${r.stderr})`);
  const out = JSON.parse(r.stdout) as JsonReport;
  t.same(out.problems, []);
  t.same(findings(out, 'web'), ['image-vulnerabilities']);
  t.match(out.objects.find((o) => o.name === 'web')!.findings.find((f) => f.policyId === 'image-vulnerabilities')!.message, /1 fixable critical vulnerability \(Trivy Operator, VulnerabilityReport shop\/replicaset-web-7d9c8b6f5-nginx\): CVE-2024-6387/);
  t.same(findings(out, 'other'), ['image-vulnerability-report-missing'], 'not scanned is not clean');
  t.ok(api.requests.some((q) => q.startsWith(`/apis/aquasecurity.github.io/v1alpha1/vulnerabilityreports?limit=1`)), 'listed cluster-wide, paged');
  t.notMatch(r.stderr, /note:/);
});

t.test('two reports of one image: each workload is judged by its own (a later clean one does not speak for web)', async (t) => {
  const clean = structuredClone(report) as any;
  clean.metadata = { ...clean.metadata, name: 'statefulset-cache-nginx', uid: 'vr2', labels: { ...clean.metadata.labels, 'trivy-operator.resource.kind': 'StatefulSet', 'trivy-operator.resource.name': 'cache' } };
  delete clean.metadata.ownerReferences;
  clean.report.vulnerabilities = [];
  clean.report.summary = { criticalCount: 0, highCount: 0, mediumCount: 0, lowCount: 0, unknownCount: 0 };
  const objects: FakeObject[] = [
    ...OBJECTS,
    { resource: 'statefulsets.apps', namespace: 'shop', object: { metadata: { name: 'cache', namespace: 'shop', uid: 's1' }, spec: { selector: {}, serviceName: 'cache', template: template('docker.io/library/nginx:1.25.3') } } },
    { resource: VR, namespace: 'shop', object: clean as Record<string, unknown> },
  ];
  const { kubeconfig } = await fakeCluster(t, objects);
  const r = await audit(kubeconfig, ['-o', 'json']);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as JsonReport;
  t.same(findings(out, 'web'), ['image-vulnerabilities'], 'web: its ReplicaSet\'s report (read first) has the critical');
  t.match(out.objects.find((o) => o.name === 'web')!.findings.find((f) => f.policyId === 'image-vulnerabilities')!.message, /VulnerabilityReport shop\/replicaset-web-7d9c8b6f5-nginx/);
  t.same(out.objects.find((o) => o.kind === 'StatefulSet' && o.name === 'cache')?.findings.filter((f) => f.category === 'vulnerability') ?? [], [], 'cache: its own clean report');
});

for (const [what, options, note] of [
  ['not served (no CRD)', { notServed: new Set([VR]) }, /note: not run: image-vulnerabilities, image-vulnerability-report-missing: VulnerabilityReports \(aquasecurity\.github\.io\/v1alpha1\) are not served here: install Trivy Operator/],
  ['forbidden', { forbidden: new Set([VR]) }, /note: not run: image-vulnerabilities, image-vulnerability-report-missing: cannot list VulnerabilityReports \(aquasecurity\.github\.io\): forbidden/],
] as const) {
  t.test(`VulnerabilityReports ${what}: a note, the policies not run, no error exit`, async (t) => {
    const { kubeconfig } = await fakeCluster(t, OBJECTS, options);
    const r = await audit(kubeconfig, ['-o', 'json']);
    t.equal(r.code, 0);
    t.match(r.stderr, note);
    const out = JSON.parse(r.stdout) as JsonReport;
    t.same(out.problems, [], 'not a problem of the scan');
    t.same([...findings(out, 'web'), ...findings(out, 'other')], [], 'neither policy ran');
  });
}

t.test('no policy requires image scan results: the reports are not listed', async (t) => {
  const { api, kubeconfig, dir } = await fakeCluster(t, OBJECTS);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/kp.yaml`, 'policies:\n  image-vulnerabilities: { enabled: false }\n  image-vulnerability-report-missing: { enabled: false }\n');
  const r = await audit(kubeconfig, ['-o', 'json', '--config', `${dir}/kp.yaml`]);
  t.equal(r.code, 0, r.stderr);
  t.notOk(api.requests.some((q) => q.includes('vulnerabilityreports')));
});
