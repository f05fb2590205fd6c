/**
 * Scan alerts from the posture controller, against a real HTTP server speaking list, watch and
 * create: findings already there at start are not announced, a new one fires once (webhook receiver
 * and a Kubernetes Event on the object), its deletion resolves it, and only the leader sends.
 */
import t from 'tap';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/admission/logger.js';
import { eventsSink } from '../../src/alerts/events-sink.js';
import { startAlerting } from '../../src/alerts/setup.js';
import { apiClientFor } from '../../src/cluster/api.js';
import { kubeAccessFromString } from '../../src/cluster/kubeconfig.js';
import { parseConfig } from '../../src/config/load-config.js';
import { PostureController } from '../../src/live/controller.js';
import { PolicySetHolder } from '../../src/policy-set/policy-holder.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { startFakeWatchApi } from '../helpers/fake-watch-api.js';
import { startReceiver, type Receiver } from './receiver.js';

const ns = { metadata: { name: 'shop', uid: 'ns-shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } };
const pod = (name: string, privileged: boolean) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', uid: `p-${name}` }, spec: { containers: [{ name: 'c', image: 'app:1', ...(privileged ? { securityContext: { privileged: true } } : {}) }] } });

async function until(what: string, check: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setup(t: { teardown(fn: () => unknown): void }, leader: { value: boolean }) {
  const fake = await startFakeWatchApi();
  fake.put('namespaces', ns);
  fake.put('pods', pod('old-priv', true));
  fake.put('pods', pod('clean', false));
  const rx = await startReceiver();
  const kc = kubeAccessFromString(fake.kubeconfig);
  const config = parseConfig(`
profile: pss-baseline
alerts:
  cluster: fake
  sinks:
    - { name: siem, type: webhook, url: "${rx.url}", policies: [pss-privileged] }
    - { name: events, type: events, policies: [pss-privileged] }
    - { name: admission-only, type: webhook, url: "http://127.0.0.1:1", sources: [admission] }
`);
  const holder = new PolicySetHolder();
  holder.swap(await buildPolicySet(config));
  const logger = createLogger({ level: 'silent' });
  const alerting = (await startAlerting(config.alerts, {
    registry: new Registry(), logger, env: {}, source: 'scan', isLeader: () => leader.value,
    eventsSink: () => eventsSink({ api: apiClientFor(kc), instance: 'controller-0' }),
  }))!;
  const controller = new PostureController({
    api: apiClientFor(kc), cluster: 'fake', holder, logger,
    reports: { flavour: 'none', includePass: false, maxReports: 100, writesPerSecond: 1000 },
    rescanIntervalMs: 3_600_000, contextDelayMs: 20, namespaceRelistDelayMs: 20, defaultMetrics: false,
    observer: alerting.alerter,
  });
  t.teardown(async () => {
    await controller.stop();
    await alerting.alerter.close(0);
    await fake.close();
    await rx.close();
  });
  controller.start();
  return { fake, rx, alerting, controller };
}

const events = (fake: { written: Map<string, Record<string, unknown>> }) => [...fake.written.entries()].filter(([k]) => k.startsWith('/apis/events.k8s.io/v1/'));
const bodies = (rx: Receiver) => rx.requests.map((r) => r.body as Record<string, any>);

t.test('baseline not announced; a new finding fires once to every sink; deletion resolves it', async (t) => {
  const { fake, rx, alerting } = await setup(t, { value: true });
  t.same(alerting.alerter.sinks.map((s) => s.name), ['siem', 'events'], 'an admission-only sink is not started in the controller');
  await until('baseline', () => alerting.alerter.baselineTaken);
  await alerting.alerter.sinks[0]!.idle();
  t.equal(rx.requests.length, 0, 'the privileged pod that was there at start is not announced');
  t.equal(events(fake).length, 0);

  fake.put('pods', pod('new-priv', true));
  await rx.waitFor(1);
  const fired = bodies(rx)[0]!;
  t.match(fired, { status: 'firing', isNew: true, blocked: false, source: 'scan', cluster: 'fake', policy: { id: 'pss-privileged' }, resource: { kind: 'Pod', name: 'new-priv', namespace: 'shop', uid: 'p-new-priv' } });
  await until('the event', () => events(fake).length === 1);
  const [path, event] = events(fake)[0]!;
  t.match(path, /^\/apis\/events\.k8s\.io\/v1\/namespaces\/shop\/events\/new-priv\.[0-9a-f]{16}$/);
  t.match(event, { reason: 'PolicyViolation', action: 'None', type: 'Warning', reportingController: 'kube-posture-scan', reportingInstance: 'controller-0', regarding: { kind: 'Pod', name: 'new-priv', namespace: 'shop', uid: 'p-new-priv' } });

  // The same object judged again (a relist) is not news.
  fake.put('pods', { ...pod('new-priv', true), metadata: { ...pod('new-priv', true).metadata, labels: { touched: 'yes' } } });
  fake.remove('pods', 'new-priv', 'shop');
  await rx.waitFor(2);
  t.match(bodies(rx)[1], { status: 'resolved', isNew: false, resource: { name: 'new-priv' } });
  await alerting.alerter.sinks[0]!.idle();
  t.equal(rx.requests.length, 2, 'fired once, resolved once');
  t.equal(events(fake).length, 1, 'a resolution makes no event');
});

t.test('a replica that does not lead keeps track but sends nothing; once leading it announces only what is new', async (t) => {
  const leader = { value: false };
  const { fake, rx, alerting } = await setup(t, leader);
  await until('baseline', () => alerting.alerter.baselineTaken);
  const before = alerting.alerter.activeScanFindings;
  fake.put('pods', pod('while-follower', true));
  await until('the follower tracks the new finding', () => alerting.alerter.activeScanFindings > before);
  await alerting.alerter.sinks[0]!.idle();
  t.equal(rx.requests.length, 0, 'not the leader: nothing sent');
  leader.value = true;
  fake.put('pods', pod('while-leader', true));
  await rx.waitFor(1);
  await alerting.alerter.sinks[0]!.idle();
  t.same(bodies(rx).map((b) => b.resource.name), ['while-leader'], 'what appeared under the old leader is not re-announced');
});
