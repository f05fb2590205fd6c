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
