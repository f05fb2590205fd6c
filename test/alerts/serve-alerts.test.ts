/**
 * The webhook process with alert sinks from its configuration file: a denied review reaches
 * Alertmanager and the generic webhook (real receivers), a dry run never does, a repeat collapses
 * into a count, secrets come from the environment and files, and bad sink configuration is a clear
 * error that never quotes a secret.
 */
import t from 'tap';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebhook, type ServeOptions } from '../../src/cli/serve-command.js';
import { webhookSchemaValidator } from '../../src/alerts/schema-check.js';
import { parseConfig } from '../../src/config/load-config.js';
import { TEST_POLICIES, loadReview } from '../admission/fixtures/harness.js';
import { metricValue, review, startReceiver } from './receiver.js';

const base = (devCertDir: string, config: string): ServeOptions => ({
  config, port: 0, path: '/validate', devCertDir, logLevel: 'silent', policyDir: [TEST_POLICIES], profile: 'all', clusterContext: 'off',
  bodyLimit: 8 * 1024 * 1024, shutdownGrace: 10, reloadInterval: 0, host: '127.0.0.1',
});


t.test('a denied review reaches Alertmanager and the webhook; a dry run does not; a repeat becomes a count', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-alerts-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const am = await startReceiver();
  const hook = await startReceiver();
  t.teardown(() => am.close());
  t.teardown(() => hook.close());
  await writeFile(join(dir, 'hmac'), 'file-secret\n');
  const config = join(dir, 'config.yaml');
  await writeFile(config, `
alerts:
  cluster: test-cluster
  admissionWindowSeconds: 3600
  reportUrl: https://reports.example/{namespace}/{kind}/{name}
  sinks:
    - name: am
      type: alertmanager
      url: ${am.url}
      policies: [test-no-privileged]
    - name: siem
      type: webhook
      url: { fromEnv: KP_TEST_HOOK_URL }
      headers:
        Authorization: { fromEnv: KP_TEST_HOOK_TOKEN }
      hmacSecret: { fromFile: ${join(dir, 'hmac')} }
      actions: [deny]
      policies: [test-no-privileged]
    - name: scan-only
      type: webhook
      url: http://127.0.0.1:1/never
      sources: [scan]
`);
  const running = await startWebhook(base(dir, config), { inCluster: false, secrets: { KP_TEST_HOOK_URL: `${hook.url}/intake`, KP_TEST_HOOK_TOKEN: 'Splunk env-token' } });
  t.teardown(() => running.shutdown('test'));
  t.ok(running.alerting, 'alerting started');
  t.same(running.alerting!.alerter.sinks.map((s) => s.name), ['am', 'siem'], 'a sink only for scan findings is not started in the webhook');
  const ca = await readFile(join(dir, 'tls.crt'), 'utf8');

  const denied = await review(running.url, ca, loadReview('pod-create-privileged.json'));
  t.equal(denied.response.allowed, false);
  await am.waitFor(1);
  await hook.waitFor(1);
  const amAlert = (am.requests[0]!.body as Record<string, any>[])[0]!;
  t.same(amAlert.labels, { alertname: 'KubePostureViolation', policy: 'test-no-privileged', severity: amAlert.labels.severity, namespace: 'team-a', kind: 'Pod', name: 'priv', cluster: 'test-cluster', source: 'admission' });
  t.equal(amAlert.annotations.report, 'https://reports.example/team-a/Pod/priv');
  t.equal(amAlert.annotations.count, '1');
  const doc = hook.requests[0]!.body as Record<string, any>;
  t.same(webhookSchemaValidator()(doc), []);
  t.equal(doc.policy.id, 'test-no-privileged');
  t.equal(doc.source, 'admission');
  t.equal(hook.requests[0]!.path, '/intake');
  t.equal(hook.requests[0]!.headers.authorization, 'Splunk env-token');
  t.match(hook.requests[0]!.headers['x-kube-posture-signature'], /^sha256=[0-9a-f]{64}$/);

  // The same pod under another name, as a dry run (`kubectl apply --dry-run=server`).
  const dryReview = loadReview('pod-create-privileged.json');
  dryReview.request.dryRun = true;
  dryReview.request.name = 'dry-priv';
  dryReview.request.object.metadata.name = 'dry-priv';
  dryReview.request.uid = 'dry-run-review';
  const dry = await review(running.url, ca, dryReview);
  t.equal(dry.response.allowed, false, 'the dry run is denied too');
  // The same denial again, within the window: no new alert now, a count when the window closes.
  await review(running.url, ca, loadReview('pod-create-privileged.json'));
  const reg = running.metrics.registry;
  t.equal(await metricValue(reg, 'kube_posture_alerts_sent_total', { sink: 'am' }), 1);
  await running.shutdown('test');
  t.equal(am.requests.length, 2, 'on shutdown the open window is closed and its count sent');
  const counted = (am.requests[1]!.body as Record<string, any>[])[0]!;
  t.equal(counted.annotations.count, '2');
  t.same(counted.labels, amAlert.labels, 'the same Alertmanager alert');
  t.notOk(JSON.stringify([...am.requests, ...hook.requests].map((r) => r.body)).includes('dry-priv'), 'the dry run was never alerted');
});

t.test('sink configuration: schema errors with their path, secrets missing named without their value', async (t) => {
  t.throws(() => parseConfig('alerts:\n  sinks:\n    - name: x\n      type: slack\n'), /configuration problem/);
  try {
    parseConfig('alerts:\n  sinks:\n    - name: x\n      type: pagerduty\n      url: http://x\n');
    t.fail('accepted');
  } catch (err) {
    t.match((err as { problems: { path: string }[] }).problems.map((p) => p.path), ['alerts.sinks.0.type']);
  }
  t.throws(() => parseConfig('alerts:\n  sinks:\n    - name: x\n      type: webhook\n      url: http://x\n      urll: y\n'), /configuration problem/);
  t.ok(parseConfig('alerts:\n  sinks:\n    - {name: ev, type: events, minSeverity: high, onlyNew: true}\n').alerts);

  const dir = await mkdtemp(join(tmpdir(), 'kp-alerts-bad-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  await writeFile(config, 'alerts:\n  sinks:\n    - name: slack\n      type: slack\n      url: { fromEnv: KP_TEST_SLACK }\n');
  await t.rejects(startWebhook(base(dir, config), { inCluster: false, secrets: {} }), /alerts\.sinks\[slack\]\.url: environment variable KP_TEST_SLACK is not set/);
  await writeFile(config, 'alerts:\n  sinks:\n    - name: slack\n      type: slack\n      url: { fromEnv: KP_TEST_SLACK }\n');
  const err = await startWebhook(base(dir, config), { inCluster: false, secrets: { KP_TEST_SLACK: 'not a url hooks.slack.com/services/T0/B0/SECRET' } }).then(() => undefined, (e: unknown) => e as Error);
  t.match(err?.message, /alerts\.sinks\[slack\]\.url: not a valid URL/);
  t.notOk(err?.message.includes('SECRET'), 'the value is not quoted');
  await writeFile(config, 'alerts:\n  sinks:\n    - {name: a, type: webhook, url: "http://x"}\n    - {name: a, type: webhook, url: "http://y"}\n');
  await t.rejects(startWebhook(base(dir, config), { inCluster: false, secrets: {} }), /two sinks are named "a"/);
});
