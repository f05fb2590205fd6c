/**
 * `alerts:` follows a configuration reload without a restart, in the webhook and in the controller:
 * a sink added to the file receives the next denial; a configuration whose secret is missing is
 * rejected and the running sinks keep working; removing every sink stops alerting. In the controller
 * alerts started by a reload take what is reported now as their baseline (an old finding is not
 * announced; a new one is), and a reconfigured alerter keeps its tracker.
 */
import t from 'tap';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebhook, type ServeOptions } from '../../src/cli/serve-command.js';
import { startController, type ControllerCommandOptions } from '../../src/cli/controller-command.js';
import { TEST_POLICIES, loadReview } from '../admission/fixtures/harness.js';
import { startFakeWatchApi } from '../helpers/fake-watch-api.js';
import { review, startReceiver } from './receiver.js';

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


const sink = (name: string, url: string, extra = '') => `    - { name: ${name}, type: webhook, url: "${url}", policies: [test-no-privileged]${extra} }\n`;

t.test('webhook: a sink added, a broken one refused, all removed, without a restart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-alerts-reload-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await startReceiver();
  const second = await startReceiver();
  t.teardown(() => first.close());
  t.teardown(() => second.close());
  const config = join(dir, 'config.yaml');
  // Each configuration has its own mode line too, so the policy reload (and its digest) sees a change.
  const write = (body: string) => writeFile(config, `alerts:\n  cluster: c\n  admissionWindowSeconds: 1\n  sinks:\n${body}`);
  await write(sink('one', first.url));
  const opts: ServeOptions = {
    config, port: 0, path: '/validate', devCertDir: dir, logLevel: 'silent', policyDir: [TEST_POLICIES], profile: 'all', clusterContext: 'off',
    bodyLimit: 8 * 1024 * 1024, shutdownGrace: 10, reloadInterval: 1, host: '127.0.0.1',
  };
  const running = await startWebhook(opts, { inCluster: false, secrets: {} });
  t.teardown(() => running.shutdown('test'));
  const ca = await readFile(join(dir, 'tls.crt'), 'utf8');
  const sinks = () => running.alerting?.alerter.sinks.map((s) => s.name).join(',') ?? '';
  const deny = async (name: string) => {
    const body = loadReview('pod-create-privileged.json');
    body.request.name = name;
    body.request.object.metadata.name = name;
    body.request.uid = `review-${name}`;
    const answer = await review(running.url, ca, body);
    t.equal(answer.response.allowed, false, `${name} denied`);
  };
  const names = (rx: typeof first) => rx.requests.map((r) => (r.body as { resource: { name: string } }).resource.name);

  t.equal(sinks(), 'one');
  await deny('p1');
  await first.waitFor(1);

  await write(sink('one', first.url) + sink('two', second.url));
  await until('the second sink', () => sinks() === 'one,two');
  await deny('p2');
  await second.waitFor(1);
  t.same(names(second), ['p2'], 'the added sink receives the next denial');
  await first.waitFor(2);
  t.same(names(first), ['p1', 'p2'], 'the first sink goes on');

  // A secret that cannot be resolved: refused, and what ran keeps running.
  await write(sink('one', first.url) + `    - { name: three, type: webhook, url: { fromEnv: KP_NOT_SET_ANYWHERE } }\n`);
  await until('the policy reload', () => running.holder.current()!.set.fileConfig.alerts!.sinks.length === 2);
  await running.alertsSettled();
  t.equal(sinks(), 'one,two', 'the previous alerts configuration keeps running');
  await deny('p3');
  await second.waitFor(2);

  await writeFile(config, 'mode: enforce\n');
  await until('alerts stopped', () => running.alerting === undefined);
  const before = first.requests.length + second.requests.length;
  await deny('p4');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(first.requests.length + second.requests.length, before, 'no sink left: nothing is sent');
});

t.test('controller: alerts started by a reload do not announce what was already there', async (t) => {
  const fake = await startFakeWatchApi();
  const rx = await startReceiver();
  const pod = (name: string) => ({ metadata: { name, namespace: 'shop', uid: `p-${name}` }, spec: { containers: [{ name: 'c', image: 'app:1', securityContext: { privileged: true } }] } });
  fake.put('namespaces', { metadata: { name: 'shop', uid: 'ns-shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } });
  fake.put('pods', pod('old-priv'));
  const dir = await mkdtemp(join(tmpdir(), 'kp-ctl-alerts-'));
  await writeFile(join(dir, 'kubeconfig'), fake.kubeconfig);
  const config = join(dir, 'config.yaml');
  await writeFile(config, 'profile: pss-baseline\n');
  const opts: ControllerCommandOptions = {
    kubeconfig: join(dir, 'kubeconfig'), config, policyDir: [], host: '127.0.0.1', opsPort: 0, reports: 'none', includePass: false, maxReports: 10, writeRate: 10,
    rescanInterval: 3600, leaderElect: false, leaseName: 'x', logLevel: 'silent', pageSize: 100, shutdownGrace: 1, reloadInterval: 1, reportAccess: 'local', reportInterval: 0,
  };
  const running = await startController(opts, {});
  t.teardown(async () => {
    await running.shutdown('test');
    await fake.close();
    await rx.close();
    await rm(dir, { recursive: true, force: true });
  });
  t.equal(running.alerting, undefined, 'no alerts configured');
  await until('the first scan', () => running.controller.notReady().length === 0);

  await writeFile(config, `profile: pss-baseline\nalerts:\n  cluster: c\n  sinks:\n    - { name: siem, type: webhook, url: "${rx.url}", policies: [pss-privileged] }\n`);
  await until('alerts started', () => running.alerting !== undefined);
  await running.alertsSettled();
  t.equal(running.alerting!.alerter.activeScanFindings, 1, 'the finding already reported is tracked');
  fake.put('pods', pod('new-priv'));
  await rx.waitFor(1);
  await new Promise((r) => setTimeout(r, 300));
  t.same(rx.requests.map((r) => (r.body as { resource: { name: string } }).resource.name), ['new-priv'], 'only the new finding is announced');

  // Reconfigured in place: the tracker is kept, so nothing is announced again.
  await writeFile(config, `profile: pss-baseline\nalerts:\n  cluster: c\n  resendIntervalSeconds: 120\n  sinks:\n    - { name: siem2, type: webhook, url: "${rx.url}", policies: [pss-privileged] }\n`);
  await until('reconfigured', () => running.alerting?.alerter.sinks[0]?.name === 'siem2');
  t.equal(running.alerting!.alerter.activeScanFindings, 2);
  fake.remove('pods', 'new-priv', 'shop');
  await rx.waitFor(2);
  const resolved = rx.requests[1]!.body as { status: string; resource: { name: string } };
  t.same([resolved.status, resolved.resource.name], ['resolved', 'new-priv'], 'the resolution goes to the new sink');
  t.equal(rx.requests.length, 2, 'nothing was announced again');
});
