/**
 * The Alerter between results and sinks, with real receivers: active scan findings are re-sent to
 * Alertmanager only (and only by the leader), admission results of deletions and dry runs make
 * nothing, and delivery failures are logged without the secret in a Slack URL.
 */
import t from 'tap';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startAlerting } from '../../src/alerts/setup.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { ObjectResult } from '../../src/results/model.js';
import { deadUrl, metricValue, startReceiver } from './receiver.js';

const result = (name: string): ObjectResult => ({
  ref: { apiVersion: 'v1', kind: 'Pod', name, namespace: 'shop', uid: `u-${name}`, resourceVersion: '1' },
  status: 'evaluated',
  policyExemptions: [],
  findings: [{ kind: 'violation', policyId: 'pss-privileged', title: 'Privileged', severity: 'high', category: 'pod-security', action: 'deny', message: 'privileged', path: 'spec.containers[0].securityContext.privileged', remediation: 'fix', controls: [] }],
  verdict: { allowed: true, outcome: 'allowed', mode: 'enforce' },
});

t.test('re-sends of active scan findings go to Alertmanager sinks only, and only from the leader', async (t) => {
  const am = await startReceiver();
  const hook = await startReceiver();
  t.teardown(() => Promise.all([am.close(), hook.close()]));
  const config = parseConfig(`alerts:\n  sinks:\n    - { name: am, type: alertmanager, url: "${am.url}" }\n    - { name: hook, type: webhook, url: "${hook.url}" }\n`);
  const leader = { value: true };
  const { alerter } = (await startAlerting(config.alerts, { registry: new Registry(), logger: pino({ level: 'silent' }), env: {}, source: 'scan', isLeader: () => leader.value }))!;
  t.teardown(() => alerter.close(0));
  alerter.baselineDone();
  alerter.changed('u-web', result('web'));
  await Promise.all(alerter.sinks.map((s) => s.idle()));
  t.equal(am.requests.length, 1);
  t.equal(hook.requests.length, 1);
  alerter.resend();
  await Promise.all(alerter.sinks.map((s) => s.idle()));
  t.equal(am.requests.length, 2, 'Alertmanager gets the active finding again (its lease renewed)');
  t.equal(hook.requests.length, 1, 'the webhook does not');
  const again = (am.requests[1]!.body as { labels: Record<string, string>; endsAt: string }[])[0]!;
  t.equal(again.labels.name, 'web');
  t.ok(Date.parse(again.endsAt) > Date.now(), 'still firing');
  leader.value = false;
  alerter.resend();
  await Promise.all(alerter.sinks.map((s) => s.idle()));
  t.equal(am.requests.length, 2, 'a replica that does not lead re-sends nothing');
});

t.test('admission: deletions and dry runs make no alert', async (t) => {
  const hook = await startReceiver();
  t.teardown(() => hook.close());
  const config = parseConfig(`alerts:\n  sinks:\n    - { name: hook, type: webhook, url: "${hook.url}" }\n`);
  const { alerter } = (await startAlerting(config.alerts, { registry: new Registry(), logger: pino({ level: 'silent' }), env: {}, source: 'admission' }))!;
  t.teardown(() => alerter.close(0));
  alerter.admission(result('a'), { dryRun: true, operation: 'CREATE' });
  alerter.admission(result('b'), { dryRun: false, operation: 'DELETE' });
  alerter.admission(result('c'), { dryRun: false, operation: 'UPDATE' });
  await alerter.sinks[0]!.idle();
  t.same(hook.requests.map((r) => (r.body as { resource: { name: string } }).resource.name), ['c']);
});

t.test('a failing Slack sink is logged by name and reason, never with its URL', async (t) => {
  let logs = '';
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { logs += chunk.toString(); cb(); } });
  const url = `${await deadUrl()}/services/T0SECRET/B0SECRET/xoxSECRETTOKEN`;
  const config = parseConfig(`alerts:\n  sinks:\n    - { name: team-slack, type: slack, url: { fromEnv: SLACK_URL }, maxAttempts: 2, backoffBaseMs: 1 }\n`);
  const { alerter } = (await startAlerting(config.alerts, { registry: new Registry(), logger: pino({ level: 'debug' }, sink), env: { SLACK_URL: url }, source: 'admission' }))!;
  alerter.admission(result('x'), { dryRun: false, operation: 'CREATE' });
  await alerter.sinks[0]!.idle();
  await alerter.close(0);
  t.match(logs, /"sink":"team-slack"/);
  t.match(logs, /"reason":"connection"/);
  t.match(logs, /attempts exhausted/);
  t.notOk(logs.includes('SECRET'), 'the URL (and its token) is in no log line');
});

t.test('a saturated sink: alerts that would be dropped on arrival are counted, not built or queued', async (t) => {
  const hang = await startReceiver(() => 'hang');
  t.teardown(() => hang.close());
  const registry = new Registry();
  const config = parseConfig(`alerts:\n  sinks:\n    - { name: slow, type: webhook, url: "${hang.url}", queueSize: 1, timeoutSeconds: 30 }\n    - { name: picky, type: webhook, url: "${hang.url}", policies: [other] }\n`);
  const { alerter } = (await startAlerting(config.alerts, { registry, logger: pino({ level: 'silent' }), env: {}, source: 'admission' }))!;
  t.teardown(() => alerter.close(0));
  alerter.admission(result('a'), { dryRun: false, operation: 'CREATE' });
  await hang.waitFor(1);
  for (const name of ['b', 'c', 'd']) alerter.admission(result(name), { dryRun: false, operation: 'CREATE' });
  const slow = alerter.sinks.find((s) => s.name === 'slow')!;
  t.equal(slow.depth, 1, 'one queued behind the one in flight');
  t.equal(await metricValue(registry, 'kube_posture_alerts_dropped_total', { sink: 'slow', reason: 'queue_full' }), 2, 'the other two counted as dropped');
  t.equal(await metricValue(registry, 'kube_posture_alerts_dropped_total', { sink: 'picky', reason: 'queue_full' }), 0, 'a sink that does not want them counts nothing');
});

t.test('admission alerts cover denials (and would-denies) unless a sink names other actions; a reload changes that', async (t) => {
  const plain = await startReceiver();
  const all = await startReceiver();
  t.teardown(() => Promise.all([plain.close(), all.close()]));
  const warned = (name: string): ObjectResult => {
    const r = result(name);
    return { ...r, findings: [{ ...r.findings[0]!, policyId: 'require-liveness-probe', action: 'warn', severity: 'low', path: 'spec.containers[0].livenessProbe' }] };
  };
  const config = parseConfig(`alerts:\n  sinks:\n    - { name: plain, type: webhook, url: "${plain.url}" }\n    - { name: all, type: webhook, url: "${all.url}", actions: [deny, warn] }\n`);
  const deps = { registry: new Registry(), logger: pino({ level: 'silent' }), env: {}, source: 'admission' as const };
  const alerting = (await startAlerting(config.alerts, deps))!;
  t.teardown(() => alerting.alerter.close(0));
  alerting.alerter.admission(warned('w1'), { dryRun: false, operation: 'CREATE' });
  alerting.alerter.admission(result('d1'), { dryRun: false, operation: 'CREATE' });
  await Promise.all(alerting.alerter.sinks.map((s) => s.idle()));
  const names = (r: typeof plain) => r.requests.map((q) => `${(q.body as { resource: { name: string } }).resource.name}:${(q.body as { policy: { action: string } }).policy.action}`).sort();
  t.same(names(plain), ['d1:deny'], 'a sink without `actions` gets the denial only');
  t.same(names(all), ['d1:deny', 'w1:warn'], 'a sink that names warn gets the warning too');

  // Reloaded: no sink names warn any more, so the warning is passed over before anything is built.
  const { reconfigureAlerting } = await import('../../src/alerts/setup.js');
  const next = parseConfig(`alerts:\n  sinks:\n    - { name: all, type: webhook, url: "${all.url}" }\n`);
  const reloaded = (await reconfigureAlerting(alerting, next.alerts, deps, 0))!;
  reloaded.alerter.admission(warned('w2'), { dryRun: false, operation: 'CREATE' });
  reloaded.alerter.admission(result('d2'), { dryRun: false, operation: 'CREATE' });
  await Promise.all(reloaded.alerter.sinks.map((s) => s.idle()));
  t.same(names(all), ['d1:deny', 'd2:deny', 'w1:warn'], 'after the reload the warning makes no alert');
});
