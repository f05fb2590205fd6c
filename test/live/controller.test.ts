/**
 * The posture controller against a real HTTP server speaking list, watch and apply: the reports it
 * writes follow the cluster (one per reported object, none for clean ones or for pods their controller
 * speaks for), only changes are written, the report limit holds, and only a leader writes. The same
 * flow against the real kube-apiserver and kube-controller-manager is in test/e2e/controller.test.ts.
 */
import t from 'tap';
import { apiClientFor } from '../../src/cluster/api.js';
import { kubeAccessFromString } from '../../src/cluster/kubeconfig.js';
import { createLogger } from '../../src/admission/logger.js';
import { defaultConfig } from '../../src/config/load-config.js';
import { PostureController, type ControllerOptions } from '../../src/live/controller.js';
import { PolicySetHolder } from '../../src/policy-set/policy-holder.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { startFakeWatchApi, type FakeWatchApi } from '../helpers/fake-watch-api.js';

const REPORTS = '/apis/openreports.io/v1alpha1/namespaces/shop/reports';
const spec = (privileged: boolean, extra: Record<string, unknown> = {}) => ({ containers: [{ name: 'c', image: 'app:1', ...(privileged ? { securityContext: { privileged: true } } : {}) }], ...extra });
const ns = { metadata: { name: 'shop', uid: 'ns-shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } };
const deployment = (privileged: boolean) => ({ metadata: { name: 'web', namespace: 'shop', uid: 'd1' }, spec: { selector: {}, template: { metadata: {}, spec: spec(privileged) } } });
const replicaset = { metadata: { name: 'web-1', namespace: 'shop', uid: 'r1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }] }, spec: { selector: {}, template: { metadata: {}, spec: spec(true) } } };
const pod = (name: string, privileged: boolean, over: Record<string, unknown> = {}) => ({ metadata: { name, namespace: 'shop', uid: `p-${name}`, ...over }, spec: spec(privileged) });
const ownedPod = pod('web-1-x', true, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'r1', controller: true }] });

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const set = await buildPolicySet(defaultConfig(), { profile: 'pss-baseline' });

async function setup(t: { teardown(fn: () => unknown): void }, over: Partial<ControllerOptions> = {}, prepare?: (fake: FakeWatchApi) => void): Promise<{ fake: FakeWatchApi; controller: PostureController }> {
  const fake = await startFakeWatchApi();
  prepare?.(fake);
  fake.put('namespaces', ns);
  fake.put('deployments.apps', deployment(true));
  fake.put('replicasets.apps', replicaset);
  fake.put('pods', ownedPod);
  fake.put('pods', pod('clean', false));
  fake.put('pods', pod('loose', true));
  const kc = kubeAccessFromString(fake.kubeconfig);
  const holder = new PolicySetHolder();
  holder.swap(set);
  const controller = new PostureController({
    api: apiClientFor(kc),
    cluster: 'fake',
    holder,
    logger: createLogger({ level: 'silent' }),
    reports: { flavour: 'openreports', includePass: false, maxReports: 100, writesPerSecond: 1000 },
    rescanIntervalMs: 3_600_000,
    contextDelayMs: 20,
    namespaceRelistDelayMs: 20,
    defaultMetrics: false,
    ...over,
  });
  t.teardown(async () => {
    await controller.stop();
    await fake.close();
  });
  controller.start();
  return { fake, controller };
}

const reportNames = (fake: FakeWatchApi) => [...fake.written.keys()].map((k) => k.split('/').pop()).sort();

t.test('one report per reported object; none for clean objects or pods their controller speaks for', async (t) => {
  const { fake, controller } = await setup(t);
  controller.leadershipChanged(true);
  await until('reports', () => fake.written.size === 2);
  await controller.writer!.drained();
  t.same(reportNames(fake), ['kube-posture-d1', 'kube-posture-p-loose']);
  const report = fake.written.get(`${REPORTS}/kube-posture-d1`)! as { kind: string; scope: { uid: string }; metadata: { ownerReferences: { uid: string }[]; annotations: Record<string, string> }; results: { policy: string; result: string }[] };
  t.equal(report.kind, 'Report');
  t.equal(report.scope.uid, 'd1');
  t.equal(report.metadata.ownerReferences[0]!.uid, 'd1', 'owned by the resource: the garbage collector removes it');
  t.ok(report.metadata.annotations['kube-posture.io/content-hash']);
  t.ok(report.results.some((r) => r.policy === 'pss-privileged' && r.result === 'fail'));
  t.ok(fake.requests.some((r) => r.startsWith(`PATCH ${REPORTS}/kube-posture-d1?fieldManager=kube-posture&force=true`)), 'written by server-side apply');
  t.same(controller.state.rolledUp(), { ReplicaSet: 1, Pod: 1 });
  t.same(controller.notReady(), []);
  const metrics = await controller.metrics.registry.metrics();
  t.match(metrics, /kube_posture_posture_results\{policy="pss-privileged",severity="\w+",result="fail"\} 2/);
  t.match(metrics, /kube_posture_report_writes_total\{operation="apply",outcome="ok"\} 2/);
  t.match(metrics, /kube_posture_objects_watched\{kind="Pod"\} 3/);
  t.match(metrics, /kube_posture_compliance_score\{framework="pss-baseline"\} \d/);
});

t.test('reports follow changes: fixed → deleted, deleted → deleted, unchanged → not rewritten', async (t) => {
  const { fake, controller } = await setup(t);
  controller.leadershipChanged(true);
  await until('reports', () => fake.written.size === 2);
  await controller.writer!.drained();
  const patches = () => fake.requests.filter((r) => r.startsWith('PATCH') && !r.includes('kube-posture-r1')).length;
  const before = patches();
  // A status-only change: not judged again, nothing written.
  const evaluated = controller.state.counts.evaluated;
  fake.put('pods', { ...pod('loose', true), status: { phase: 'Running' } });
  await until('seen', () => controller.state.counts.unchanged > 0);
  t.equal(controller.state.counts.evaluated, evaluated, 'a status change costs a hash, not an evaluation');
  // The Deployment is fixed: its report goes (a clean resource has none).
  fake.put('deployments.apps', deployment(false));
  await until('deleted d1', () => !fake.written.has(`${REPORTS}/kube-posture-d1`));
  // The loose pod is deleted: its report goes.
  fake.remove('pods', 'loose', 'shop');
  await until('deleted loose', () => !fake.written.has(`${REPORTS}/kube-posture-p-loose`));
  await controller.writer!.drained();
  t.equal(patches(), before, 'no report was rewritten');
  // The ReplicaSet still has the privileged template; the fixed Deployment no longer speaks for it.
  await until('ReplicaSet reported', () => fake.written.has(`${REPORTS}/kube-posture-r1`));
  t.pass('the ReplicaSet (privileged template, under a fixed Deployment) is reported itself');
});

t.test('the report limit: past it new reports wait, and are written when room is made', async (t) => {
  const { fake, controller } = await setup(t, { reports: { flavour: 'openreports', includePass: false, maxReports: 1, writesPerSecond: 1000 } });
  controller.leadershipChanged(true);
  await until('one report', () => fake.written.size === 1);
  await controller.writer!.drained();
  t.equal(fake.written.size, 1, 'never more than the limit');
  t.match(await controller.metrics.registry.metrics(), /kube_posture_report_drops_total\{reason="limit"\} [1-9]/);
  const first = reportNames(fake)[0]!;
  if (first === 'kube-posture-d1') fake.put('deployments.apps', deployment(false));
  else fake.remove('pods', 'loose', 'shop');
  await until('the other written', () => reportNames(fake).length === 1 && reportNames(fake)[0] !== first);
  t.pass(`after ${first} went, the waiting report was written`);
});

t.test('only the leader writes; a new leader reconciles what exists', async (t) => {
  let leader = false;
  const { fake, controller } = await setup(t, { isLeader: () => leader });
  await until('ready', () => controller.notReady().length === 0);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(fake.written.size, 0, 'a follower writes nothing');
  // A report a previous leader left for an object that is gone now.
  fake.written.set(`${REPORTS}/kube-posture-gone`, { metadata: { name: 'kube-posture-gone', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'kube-posture', 'kube-posture.io/resource-uid': 'gone' } } });
  fake.put('reports.openreports.io', { apiVersion: 'openreports.io/v1alpha1', kind: 'Report', metadata: { name: 'kube-posture-gone', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'kube-posture', 'kube-posture.io/resource-uid': 'gone' } } });
  leader = true;
  controller.leadershipChanged(true);
  await until('reconciled', () => fake.written.size === 2 && !fake.written.has(`${REPORTS}/kube-posture-gone`));
  t.same(reportNames(fake), ['kube-posture-d1', 'kube-posture-p-loose'], 'the stale report is deleted, the missing ones written');
  leader = false;
  controller.leadershipChanged(false);
  fake.remove('pods', 'loose', 'shop');
  await new Promise((r) => setTimeout(r, 200));
  t.ok(fake.written.has(`${REPORTS}/kube-posture-p-loose`), 'after losing the lease: no more writes');
});

t.test('a forbidden kind does not stop the others; readiness says which kind is missing', async (t) => {
  const { fake, controller } = await setup(t, { initialBackoffMs: 20 }, (fake) => fake.failing.set('replicasets.apps', 403));
  await until('others listed', () => controller.state.objectsByKind().get('Pod') === 3);
  t.match(controller.notReady().join(';'), /not listed yet: ReplicaSet\.apps/);
  await until('retried', async () => /status="403"\} [2-9]/.test(await controller.metrics.registry.metrics()));
  t.pass('retried with backoff and counted');
  fake.failing.delete('replicasets.apps');
  controller.leadershipChanged(true);
  await until('ready', () => controller.notReady().length === 0);
  await until('reports', () => fake.written.size === 2);
  t.same(reportNames(fake), ['kube-posture-d1', 'kube-posture-p-loose']);
});
