/**
 * Each HTTP sink against a real receiver: payloads checked field by field (the generic webhook's
 * against its published schema), and delivery against receivers that are down, fail then recover,
 * answer 429 with Retry-After, or hang.
 */
import t from 'tap';
import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAlertMetrics } from '../../src/alerts/alert-metrics.js';
import { SinkWorker, type DeliveryOptions } from '../../src/alerts/dispatcher.js';
import { alertmanagerSink, slackSink, webhookSink } from '../../src/alerts/http-sinks.js';
import type { Alert } from '../../src/alerts/model.js';
import { webhookSchemaValidator } from '../../src/alerts/schema-check.js';
import type { SinkTransport } from '../../src/alerts/sink.js';
import { testAlert } from '../../src/alerts/test-alert.js';
import { deadUrl, metricValue, startReceiver } from './receiver.js';

const logger = pino({ level: 'silent' });
const fast: DeliveryOptions = { queueSize: 100, ratePerSecond: 1000, burst: 1000, timeoutMs: 2000, maxAttempts: 3, backoff: { baseMs: 5, maxMs: 20 } };

function worker(transport: SinkTransport, delivery: Partial<DeliveryOptions> = {}, filter = {}) {
  const registry = new Registry();
  const metrics = createAlertMetrics(registry);
  const w = new SinkWorker({ name: 'under-test', transport, filter, delivery: { ...fast, ...delivery }, metrics, logger });
  const m = (name: string, labels: Record<string, string> = {}) => metricValue(registry, `kube_posture_alerts_${name}`, { sink: 'under-test', ...labels });
  return { w, m };
}

t.test('Alertmanager: POST /api/v2/alerts with labels, annotations, startsAt and an endsAt lease; bearer token', async (t) => {
  const rx = await startReceiver();
  t.teardown(() => rx.close());
  const now = Date.parse('2026-01-01T00:00:00Z');
  const { w, m } = worker(alertmanagerSink({ url: `${rx.url}/`, bearerToken: 'tok', leaseMs: 300_000, now: () => now }));
  const a = testAlert({ firstSeen: now - 1000, reportUrl: 'https://r.example/x' });
  w.offer(a);
  w.offer({ ...a, status: 'resolved' });
  await w.idle();
  t.equal(rx.requests.length, 1, 'both in one batch');
  const r = rx.requests[0]!;
  t.equal(r.path, '/api/v2/alerts');
  t.equal(r.headers.authorization, 'Bearer tok');
  t.equal(r.headers['content-type'], 'application/json');
  t.same(r.body, [
    {
      labels: { alertname: 'KubePostureViolation', policy: 'pss-privileged', severity: 'high', namespace: 'shop', kind: 'Pod', name: 'web', cluster: 'prod', source: 'admission' },
      annotations: { summary: 'Privileged containers: Pod shop/web', message: 'container "c" is privileged', path: 'spec.containers[0].securityContext.privileged', remediation: 'Remove securityContext.privileged.', action: 'deny', category: 'pod-security', count: '1', controls: 'CIS-5.2.1', report: 'https://r.example/x' },
      startsAt: '2025-12-31T23:59:59.000Z',
      endsAt: '2026-01-01T00:05:00.000Z',
      generatorURL: 'https://r.example/x',
    },
    {
      labels: { alertname: 'KubePostureViolation', policy: 'pss-privileged', severity: 'high', namespace: 'shop', kind: 'Pod', name: 'web', cluster: 'prod', source: 'admission' },
      annotations: { summary: 'Privileged containers: Pod shop/web', message: 'container "c" is privileged', path: 'spec.containers[0].securityContext.privileged', remediation: 'Remove securityContext.privileged.', action: 'deny', category: 'pod-security', count: '1', controls: 'CIS-5.2.1', report: 'https://r.example/x' },
      startsAt: '2025-12-31T23:59:59.000Z',
      endsAt: '2026-01-01T00:00:00.000Z',
      generatorURL: 'https://r.example/x',
    },
  ]);
  t.equal(await m('sent_total'), 2);
  w.offer({ ...a, status: 'resolved', samePolicyActive: true });
  await w.idle();
  t.equal(rx.requests.length, 1, 'a field resolved while the policy still fires on the object is not sent as a resolution');
});

t.test('generic webhook: one schema-valid document per POST, custom headers, HMAC signature over timestamp and body', async (t) => {
  const rx = await startReceiver();
  t.teardown(() => rx.close());
  const check = webhookSchemaValidator();
  const now = Date.parse('2026-01-01T00:00:00Z');
  const { w, m } = worker(webhookSink({ url: `${rx.url}/services/collector/raw`, headers: { authorization: 'Splunk hec-token' }, hmacSecret: 'shh', now: () => now }));
  const alerts = [testAlert(), testAlert({ policyId: 'other', severity: 'critical', source: 'scan', status: 'resolved', isNew: false, count: 1 })];
  for (const a of alerts) w.offer(a);
  await w.idle();
  t.equal(rx.requests.length, 2);
  t.equal(await m('sent_total'), 2);
  // Most severe first.
  t.same(rx.requests.map((r) => (r.body as { policy: { id: string } }).policy.id), ['other', 'pss-privileged']);
  for (const r of rx.requests) {
    t.same(check(r.body), [], 'valid against docs/schema/alert-webhook-v1.schema.json');
    t.equal(r.path, '/services/collector/raw');
    t.equal(r.headers.authorization, 'Splunk hec-token');
    t.equal(r.headers['x-kube-posture-timestamp'], '1767225600');
    t.equal(r.headers['x-kube-posture-signature'], `sha256=${createHmac('sha256', 'shh').update(`1767225600.${r.raw}`).digest('hex')}`);
  }
  const b = rx.requests[1]!.body as Record<string, unknown>;
  t.same(b, {
    schemaVersion: 'kube-posture.io/alert/v1', id: `${alerts[0]!.fingerprint}-firing-1-${alerts[0]!.lastSeen}`, fingerprint: alerts[0]!.fingerprint, status: 'firing', isNew: true, blocked: true, source: 'admission', cluster: 'prod', severity: 'high',
    policy: { id: 'pss-privileged', title: 'Privileged containers', category: 'pod-security', action: 'deny', controls: ['CIS-5.2.1'] },
    resource: { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'shop', uid: 'u-1' },
    message: 'container "c" is privileged', path: 'spec.containers[0].securityContext.privileged', remediation: 'Remove securityContext.privileged.', count: 1,
    firstSeen: '2023-11-14T22:13:20.000Z', lastSeen: '2023-11-14T22:13:20.000Z',
  });
});

t.test('Slack: blocks messages, several alerts per message', async (t) => {
  const rx = await startReceiver();
  t.teardown(() => rx.close());
  const { w } = worker(slackSink({ url: `${rx.url}/services/T000/B000/XXXX` }));
  for (let i = 0; i < 12; i++) w.offer(testAlert({ policyId: `p${i}` }));
  await w.idle();
  t.equal(rx.requests.length, 2, 'ten alerts a message');
  const first = rx.requests[0]!.body as { text: string; blocks: { type: string }[] };
  t.equal(first.blocks[0]!.type, 'header');
  t.equal(first.blocks.filter((b) => b.type === 'divider').length, 10);
  t.match(first.text, /10 policy violations/);
  t.ok(first.blocks.length <= 50);
});

t.test('a receiver that is down: each attempt fails, retried with backoff, then dropped and counted', async (t) => {
  const { w, m } = worker(webhookSink({ url: await deadUrl(), headers: {} }), { maxAttempts: 3 });
  w.offer(testAlert());
  await w.idle();
  t.equal(await m('failed_total', { reason: 'connection' }), 3);
  t.equal(await m('retried_total'), 2);
  t.equal(await m('dropped_total', { reason: 'retries_exhausted' }), 1);
  t.equal(await m('sent_total'), 0);
});

t.test('a receiver that answers 500 then 200: retried once and delivered', async (t) => {
  const rx = await startReceiver((n) => ({ status: n === 1 ? 500 : 200 }));
  t.teardown(() => rx.close());
  const { w, m } = worker(webhookSink({ url: rx.url, headers: {} }));
  w.offer(testAlert());
  await w.idle();
  t.equal(rx.requests.length, 2);
  t.equal(rx.requests[0]!.raw, rx.requests[1]!.raw, 'the same document again');
  t.equal(await m('failed_total', { reason: 'http_5xx' }), 1);
  t.equal(await m('retried_total'), 1);
  t.equal(await m('sent_total'), 1);
  t.equal(await m('dropped_total', { reason: 'retries_exhausted' }), 0);
});

t.test('a receiver that answers 429 with Retry-After: its wait is used instead of the backoff', async (t) => {
  const rx = await startReceiver((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
  t.teardown(() => rx.close());
  // A backoff of ten minutes: the delivery can only finish within the test by honouring Retry-After (1 s).
  const { w, m } = worker(webhookSink({ url: rx.url, headers: {} }), { backoff: { baseMs: 600_000, maxMs: 600_000 } });
  w.offer(testAlert());
  await w.idle();
  t.equal(rx.requests.length, 2);
  t.equal(await m('failed_total', { reason: 'http_429' }), 1);
  t.equal(await m('retried_total'), 1);
  t.equal(await m('sent_total'), 1);
});

t.test('a 4xx other than 429 is not retried: the receiver refuses the payload', async (t) => {
  const rx = await startReceiver(() => ({ status: 400 }));
  t.teardown(() => rx.close());
  const { w, m } = worker(webhookSink({ url: rx.url, headers: {} }));
  w.offer(testAlert());
  await w.idle();
  t.equal(rx.requests.length, 1);
  t.equal(await m('failed_total', { reason: 'http_4xx' }), 1);
  t.equal(await m('dropped_total', { reason: 'rejected' }), 1);
});

t.test('a receiver that hangs: attempts time out, the queue fills, the least severe are dropped first, offer never waits', async (t) => {
  const rx = await startReceiver(() => 'hang');
  t.teardown(() => rx.close());
  const { w, m } = worker(webhookSink({ url: rx.url, headers: {} }), { timeoutMs: 100, maxAttempts: 2, queueSize: 5 });
  // One goes in flight; then more than the queue holds, of mixed severity.
  w.offer(testAlert({ severity: 'critical', policyId: 'in-flight' }));
  await rx.waitFor(1);
  const severities = ['info', 'low', 'critical', 'info', 'medium', 'high', 'critical', 'low'] as const;
  severities.forEach((severity, i) => w.offer(testAlert({ severity, policyId: `p${i}` })));
  t.equal(w.depth, 5, 'bounded');
  t.equal(await m('dropped_total', { reason: 'queue_full' }), 3);
  t.equal(await m('queue_depth'), 5);
  // What is left, in the order it would be sent: the two info and one low went.
  await w.close(0);
  t.equal(await m('failed_total', { reason: 'timeout' }) >= 1, true, 'the hanging attempt timed out or was cut off');
  t.equal(await m('dropped_total', { reason: 'shutdown' }) >= 5, true, 'what was left at shutdown is counted');
  t.equal(await m('queue_depth'), 0);
  t.equal(await m('sent_total'), 0);
});

t.test('the hanging receiver again, without shutdown: timeouts are retried, then given up', async (t) => {
  const rx = await startReceiver(() => 'hang');
  t.teardown(() => rx.close());
  const { w, m } = worker(webhookSink({ url: rx.url, headers: {} }), { timeoutMs: 50, maxAttempts: 2 });
  w.offer(testAlert());
  await w.idle();
  t.equal(rx.requests.length, 2);
  t.equal(await m('failed_total', { reason: 'timeout' }), 2);
  t.equal(await m('retried_total'), 1);
  t.equal(await m('dropped_total', { reason: 'retries_exhausted' }), 1);
});

t.test('filters: a sink only queues what it wants', async (t) => {
  const rx = await startReceiver();
  t.teardown(() => rx.close());
  const { w } = worker(webhookSink({ url: rx.url, headers: {} }), {}, { minSeverity: 'high', namespaces: ['shop'] });
  const alerts: Alert[] = [testAlert({ severity: 'low' }), testAlert({ resource: { apiVersion: 'v1', kind: 'Pod', name: 'x', namespace: 'other', uid: 'u2' } }), testAlert({ severity: 'critical' })];
  for (const a of alerts) w.offer(a);
  await w.idle();
  t.same(rx.requests.map((r) => (r.body as { severity: string }).severity), ['critical']);
});
