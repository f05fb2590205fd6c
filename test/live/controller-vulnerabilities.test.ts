/**
 * The controller with Trivy Operator's VulnerabilityReports, over the list/watch fake: a report that
 * changes re-judges exactly the objects running its image (after the quiet time), and their reports
 * are rewritten; a report deleted leaves the image with no result (the missing-report policy); a
 * rescan with the same findings judges nothing again. The same flow against the real kube-apiserver is
 * in test/e2e/vulnerabilities.test.ts.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { apiClientFor } from '../../src/cluster/api.js';
import { kubeAccessFromString } from '../../src/cluster/kubeconfig.js';
import { createLogger } from '../../src/admission/logger.js';
import { parseConfig } from '../../src/config/load-config.js';
import { PostureController } from '../../src/live/controller.js';
import { PolicySetHolder } from '../../src/policy-set/policy-holder.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { startFakeWatchApi } from '../helpers/fake-watch-api.js';

const VR = 'vulnerabilityreports.aquasecurity.github.io';
const REPORTS = '/apis/openreports.io/v1alpha1/namespaces/shop/reports';
const report = parse(readFileSync('test/fixtures/trivy-operator/replicaset-web-nginx.yaml', 'utf8')) as any;
const RS = 'web-7d9c8b6f5';
const RS_UID = report.metadata.ownerReferences[0].uid as string;
const template = (image: string) => ({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'nginx', image }] } });
const deployment = (name: string, uid: string, image: string) => ({ metadata: { name, namespace: 'shop', uid }, spec: { selector: {}, template: template(image) } });

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Long enough for a judgement that should not happen to show (the relist delays here are 20 ms). */
const settle = () => new Promise((r) => setTimeout(r, 300));

const set = await buildPolicySet(parseConfig([
  'profile: none',
  'policies:',
  '  image-vulnerabilities: { enabled: true, action: deny }',
  '  image-vulnerability-report-missing: { enabled: true, action: warn }',
].join('\n')));

type Written = { results: { policy: string; result: string; message?: string }[] };
const results = (w: Record<string, unknown> | undefined) => ((w as Written | undefined)?.results ?? []).map((r) => `${r.policy}:${r.result}`).sort();

t.test('a changed or deleted VulnerabilityReport re-judges the objects running its image, and only those', async (t) => {
  const fake = await startFakeWatchApi();
  fake.put('namespaces', { metadata: { name: 'shop', uid: 'ns-shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } });
  fake.put('deployments.apps', deployment('web', 'd1', 'nginx:1.25.3'));
  fake.put('replicasets.apps', { metadata: { name: RS, namespace: 'shop', uid: RS_UID, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }] }, spec: { selector: {}, template: template('nginx:1.25.3') } });
  fake.put('deployments.apps', deployment('other', 'd2', 'registry.example/other:2'));
  fake.put(VR, report);
  const holder = new PolicySetHolder();
  holder.swap(set);
  const controller = new PostureController({
    api: apiClientFor(kubeAccessFromString(fake.kubeconfig)),
    cluster: 'fake', holder, logger: createLogger({ level: 'silent' }),
    reports: { flavour: 'openreports', includePass: false, maxReports: 100, writesPerSecond: 1000 },
    rescanIntervalMs: 3_600_000, contextDelayMs: 20, namespaceRelistDelayMs: 20, vulnerabilityRelistDelayMs: 20, defaultMetrics: false,
  });
  t.teardown(async () => {
    await controller.stop();
    await fake.close();
  });
  controller.start();
  controller.leadershipChanged(true);
  const web = () => fake.written.get(`${REPORTS}/kube-posture-d1`);
  const other = () => fake.written.get(`${REPORTS}/kube-posture-d2`);
  await until('first reports', () => results(web()).includes('image-vulnerabilities:fail') && other() !== undefined);
  await controller.writer!.drained();
  t.match((web() as Written).results.find((r) => r.policy === 'image-vulnerabilities')?.message, /VulnerabilityReport shop\/replicaset-web-7d9c8b6f5-nginx\): CVE-2024-6387/);
  t.same(results(other()), ['image-vulnerability-report-missing:warn'], 'another image: not scanned');
  const writesOf = (name: string) => fake.requests.filter((r) => r.startsWith(`PATCH ${REPORTS}/${name}?`)).length;
  const otherWrites = writesOf('kube-posture-d2');

  // A rescan with the same findings (a new updateTimestamp): nothing is judged again.
  const judged = () => controller.state.counts.evaluated;
  const before = judged();
  const rescanned = structuredClone(report);
  rescanned.report.updateTimestamp = '2026-12-01T08:00:00Z';
  fake.put(VR, rescanned);
  const relists = () => fake.requests.filter((r) => r.startsWith('GET /apis/apps/v1/deployments?') && !r.includes('watch=')).length;
  const listedBefore = relists();
  await new Promise((r) => setTimeout(r, 300));
  t.equal(relists(), listedBefore, 'an unchanged summary does not even relist');
  t.equal(judged(), before, 'nothing judged again');

  // The image is rebuilt and rescanned: the critical is gone. The Deployment and its ReplicaSet run
  // the image and are judged again; the other Deployment is not.
  const fixed = structuredClone(report);
  fixed.report.vulnerabilities = fixed.report.vulnerabilities.filter((v: { severity: string }) => v.severity !== 'CRITICAL');
  fixed.report.summary.criticalCount = 0;
  fake.put(VR, fixed);
  await until('web no longer fails image-vulnerabilities', () => web() === undefined || !results(web()).includes('image-vulnerabilities:fail'));
  await until('the judged kinds relisted', () => relists() > listedBefore);
  // The Deployment and the ReplicaSet come from two lists that finish in either order: wait for both
  // judgements, then a quiet time in which a third (the other Deployment) would show.
  await until('both objects judged again', () => judged() - before >= 2);
  await settle();
  await controller.writer!.drained();
  t.equal(judged() - before, 2, 'judged again: the Deployment and its ReplicaSet, which run the image');
  t.equal(writesOf('kube-posture-d2'), otherWrites, 'the other Deployment\'s report is not rewritten');

  // The report is deleted: the image has no result now, which is "not scanned", never "clean".
  const judgedBefore = judged();
  fake.remove(VR, report.metadata.name, 'shop');
  await until('web reported as not scanned', () => results(web()).includes('image-vulnerability-report-missing:warn'));
  await until('both objects judged again', () => judged() - judgedBefore >= 2);
  await settle();
  await controller.writer!.drained();
  t.same(results(web()), ['image-vulnerability-report-missing:warn']);
  t.equal(judged() - judgedBefore, 2, 'again the two objects running the image, and only those');
  t.equal(writesOf('kube-posture-d2'), otherWrites);
});
