import t from 'tap';
import { createHmac } from 'node:crypto';
import type { ObjectResult } from '../results/model.js';
import { alertmanagerLabels, postableAlert } from './alertmanager-payload.js';
import { alertsOf } from './build.js';
import { SLACK_FIELD_MAX, SLACK_HEADER_MAX, SLACK_MAX_BLOCKS, SLACK_SECTION_TEXT_MAX, slackMessage } from './slack-payload.js';
import { testAlert } from './test-alert.js';
import { signature, webhookPayload } from './webhook-payload.js';
import { webhookSchemaValidator } from './schema-check.js';

const finding = (policyId: string, path: string, severity: 'high' | 'low' = 'high') => ({ kind: 'violation' as const, policyId, title: `title ${policyId}`, severity, category: 'pod-security', action: 'deny' as const, message: `msg ${path}`, path, remediation: 'fix it', controls: ['CIS-5.2.1'] });
const result = (findings: ReturnType<typeof finding>[], uid = 'u-1'): ObjectResult => ({
  ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop', uid, resourceVersion: '7' },
  status: 'evaluated',
  policyExemptions: [],
  findings,
  verdict: { allowed: false, outcome: 'denied', mode: 'enforce' },
});

t.test('alertsOf: one alert per (policy, path), fingerprints per cluster and object, report link expanded', async (t) => {
  const alerts = alertsOf(result([finding('a', 'spec.x'), finding('a', 'spec.x'), finding('a', 'spec.y'), finding('b', '')]), { source: 'admission', cluster: 'prod', now: 5, reportUrlTemplate: 'https://r.example/{namespace}/{kind}/{name}?p={policy}' });
  t.same(alerts.map((a) => [a.policyId, a.path]), [['a', 'spec.x'], ['a', 'spec.y'], ['b', '']]);
  t.equal(new Set(alerts.map((a) => a.fingerprint)).size, 3);
  t.same(alerts[0]!.resource, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop', uid: 'u-1' });
  t.equal(alerts[0]!.reportUrl, 'https://r.example/shop/Deployment/web?p=a');
  t.equal(alerts[0]!.firstSeen, 5);
  t.same(alertsOf(result([]), { source: 'scan', cluster: 'prod', now: 0 }), []);
  const fromFile: ObjectResult = { ...result([finding('a', 'x')]), ref: { apiVersion: 'v1', kind: 'Pod', name: 'p', file: 'a.yaml', line: 1 } };
  t.same(alertsOf(fromFile, { source: 'scan', cluster: 'prod', now: 0 }), [], 'manifests from files are not alerted');
});

t.test('Alertmanager: identity labels, annotations, a lease while firing and endsAt now when resolved', async (t) => {
  const a = testAlert({ reportUrl: 'https://r.example/x', count: 3 });
  const now = 1_700_000_100_000;
  const p = postableAlert(a, now, 300_000);
  t.same(p.labels, { alertname: 'KubePostureViolation', policy: 'pss-privileged', severity: 'high', namespace: 'shop', kind: 'Pod', name: 'web', cluster: 'prod', source: 'admission' });
  t.same(p.annotations, {
    summary: 'Privileged containers: Pod shop/web',
    message: 'container "c" is privileged',
    path: 'spec.containers[0].securityContext.privileged',
    remediation: 'Remove securityContext.privileged.',
    action: 'deny',
    category: 'pod-security',
    count: '3',
    controls: 'CIS-5.2.1',
    report: 'https://r.example/x',
  });
  t.equal(p.startsAt, new Date(a.firstSeen).toISOString());
  t.equal(p.endsAt, new Date(now + 300_000).toISOString());
  t.equal(p.generatorURL, 'https://r.example/x');
  t.equal(postableAlert({ ...a, status: 'resolved' }, now, 300_000).endsAt, new Date(now).toISOString());
  t.same(alertmanagerLabels(testAlert({ path: 'other', resource: { ...a.resource, uid: 'another-replica-sees-it' } })), p.labels, 'labels do not depend on path or uid');
  t.notOk('namespace' in alertmanagerLabels(testAlert({ resource: { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'x' } })));
});

t.test('generic webhook v1: valid against the published schema, field by field; signature over timestamp and body', async (t) => {
  const check = webhookSchemaValidator();
  const a = testAlert({ reportUrl: 'https://r.example/x' });
  const p = webhookPayload(a);
  t.same(check(p), []);
  t.same(p, {
    schemaVersion: 'kube-posture.io/alert/v1',
    id: `${a.fingerprint}-firing-1-${a.lastSeen}`,
    fingerprint: a.fingerprint,
    status: 'firing',
    isNew: true,
    blocked: true,
    source: 'admission',
    cluster: 'prod',
    severity: 'high',
    policy: { id: 'pss-privileged', title: 'Privileged containers', category: 'pod-security', action: 'deny', controls: ['CIS-5.2.1'] },
    resource: { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'shop', uid: 'u-1' },
    message: 'container "c" is privileged',
    path: 'spec.containers[0].securityContext.privileged',
    remediation: 'Remove securityContext.privileged.',
    count: 1,
    firstSeen: '2023-11-14T22:13:20.000Z',
    lastSeen: '2023-11-14T22:13:20.000Z',
    reportUrl: 'https://r.example/x',
  });
  const noUid = webhookPayload(testAlert({ resource: { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'n', uid: '' }, status: 'resolved' }));
  t.same(check(noUid), []);
  t.notOk('uid' in noUid.resource);
  t.not(check({ ...p, severity: 'urgent' }).length, 0, 'the schema is not a rubber stamp');
  const body = JSON.stringify(p);
  t.equal(signature('s3cret', '1700000000', body), `sha256=${createHmac('sha256', 's3cret').update(`1700000000.${body}`).digest('hex')}`);
});

t.test('Slack: blocks within limits, several alerts per message, mrkdwn escaped', async (t) => {
  const long = 'x'.repeat(10_000);
  const many = Array.from({ length: 30 }, (_, i) => testAlert({ policyId: `p${i}`, message: `<b>&${long}`, title: long, remediation: long, path: long }));
  const m = slackMessage(many);
  t.ok(m.blocks.length <= SLACK_MAX_BLOCKS);
  t.equal(m.blocks.filter((b) => b.type === 'divider').length, 10, 'ten alerts shown');
  t.match(JSON.stringify(m.blocks.at(-1)), /and 20 more/);
  t.ok(((m.blocks[0]!.text as { text: string }).text).length <= SLACK_HEADER_MAX);
  for (const b of m.blocks) {
    const text = (b.text as { text?: string } | undefined)?.text;
    if (b.type === 'section' && text !== undefined) t.ok(text.length <= SLACK_SECTION_TEXT_MAX);
    for (const f of (b.fields as { text: string }[] | undefined) ?? []) t.ok(f.text.length <= SLACK_FIELD_MAX);
  }
  const one = slackMessage([testAlert({ message: 'a <script> & b' })]);
  t.match(JSON.stringify(one.blocks), /a &lt;script&gt; &amp; b/);
  t.match(one.text, /1 policy violation: pss-privileged on Pod web/);
  t.match(slackMessage([testAlert({ status: 'resolved' })]).text, /1 resolved/);
});
