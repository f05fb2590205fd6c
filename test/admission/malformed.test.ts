import t from 'tap';
import { BAD_POLICIES, TEST_POLICIES, harness, loadReview, post } from './fixtures/harness.js';
import { parseGoDuration } from '../../src/admission/review.js';

t.test('malformed requests get 400 with KP_ERR_REVIEW_MALFORMED and a message naming the problem', async (t) => {
  const h = await harness();
  const valid = loadReview('pod-create-compliant.json');
  const mutate = (f: (r: Record<string, any>) => void): Record<string, any> => {
    const r = structuredClone(valid);
    f(r);
    return r;
  };
  const cases: [string, unknown, RegExp][] = [
    ['not JSON', '{"apiVersion": "admission', /not valid JSON/],
    ['a JSON array', [], /JSON object/],
    ['a JSON string', '"AdmissionReview"', /JSON object/],
    ['wrong kind', mutate((r) => (r.kind = 'Pod')), /kind must be "AdmissionReview"/],
    ['unknown apiVersion', mutate((r) => (r.apiVersion = 'admission.k8s.io/v2')), /apiVersion must be one of/],
    ['no request', mutate((r) => delete r.request), /request must be an object/],
    ['no uid', mutate((r) => delete r.request.uid), /request\.uid/],
    ['numeric uid', mutate((r) => (r.request.uid = 42)), /request\.uid/],
    ['no kind', mutate((r) => delete r.request.kind), /request\.kind/],
    ['unknown operation', mutate((r) => (r.request.operation = 'PATCH')), /request\.operation/],
    ['namespace of the wrong type', mutate((r) => (r.request.namespace = ['a'])), /request\.namespace/],
    ['dryRun of the wrong type', mutate((r) => (r.request.dryRun = 'yes')), /request\.dryRun/],
    ['object of the wrong type', mutate((r) => (r.request.object = 'pod')), /request\.object/],
    ['groups of the wrong type', mutate((r) => (r.request.userInfo.groups = [1, 2])), /userInfo\.groups/],
    ['extra of the wrong type', mutate((r) => (r.request.userInfo.extra = { a: 'b' })), /userInfo\.extra/],
    ['prototype poisoning', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","__proto__":{"x":1}}', /not valid JSON/],
    ['prototype poisoning, escaped', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","\\u005f\\u005fproto__":{"x":1}}', /not valid JSON/],
    ['prototype poisoning, escaped', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"\\u005F_pr\\u006fto__":{"x":1}}}', /not valid JSON/],
    ['prototype poisoning, nested', JSON.stringify(valid).replace('"metadata":{', '"metadata":{"__proto__":{"polluted":true},'), /not valid JSON/],
    ['a BOM and broken JSON', '\ufeff{"apiVersion":', /not valid JSON/],
  ];
  for (const [name, body, message] of cases) {
    const r = await post(h.app, body);
    t.equal(r.status, 400, `${name}: 400`);
    t.equal(r.body.code, 'KP_ERR_REVIEW_MALFORMED', `${name}: code`);
    t.match(r.body.message, message, `${name}: message`);
  }
});

t.test('bodies that merely mention __proto__ or use \\u escapes are parsed as before', async (t) => {
  const h = await harness();
  const valid = loadReview('pod-create-compliant.json');
  // Go's encoder escapes <, > and & as \u003c, \u003e, \u0026: such bodies take the full parser.
  const escaped = JSON.stringify(valid).replace('"metadata":{', '"metadata":{"annotations":{"note":"a \\u0026 b \\u003c c"},');
  const withValue = structuredClone(valid);
  withValue.request.object.metadata.annotations = { note: '__proto__' };
  for (const [name, body] of [['\\u escapes', escaped], ['__proto__ as a value', JSON.stringify(withValue)], ['a BOM', '\ufeff' + JSON.stringify(valid)]] as const) {
    const r = await post(h.app, body);
    t.equal(r.status, 200, `${name}: 200`);
    t.equal(r.body.response?.uid, valid.request.uid, `${name}: answered`);
  }
  t.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

t.test('a wrong, missing or odd content type is still read as JSON; an empty body is malformed', async (t) => {
  const h = await harness();
  const body = JSON.stringify(loadReview('pod-create-compliant.json'));
  for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/json; charset=utf-8' }, {}] as Record<string, string>[]) {
    const r = await h.app.inject({ method: 'POST', url: '/validate', headers, payload: body });
    t.equal(r.statusCode, 200, `content-type ${headers['content-type'] ?? '(none)'}`);
  }
  const empty = await h.app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: '' });
  t.equal(empty.statusCode, 400);
  t.equal(empty.json().code, 'KP_ERR_REVIEW_MALFORMED');
});

t.test('body limit: an UPDATE of a 3 MiB object (7 MiB) is accepted; anything over 8 MiB gets 413', async (t) => {
  const h = await harness();
  const big = 'x'.repeat(3.55 * 1024 * 1024);
  const cm = (v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'team-a', labels: { team: 'a' } }, data: { blob: v } });
  const update = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-big', kind: { group: '', version: 'v1', kind: 'ConfigMap' }, operation: 'UPDATE', namespace: 'team-a', name: 'big', object: cm(big), oldObject: cm(big + 'y') } };
  const payload = JSON.stringify(update);
  t.ok(payload.length > 7 * 1024 * 1024, 'the review is over 7 MiB');
  const ok = await post(h.app, payload);
  t.equal(ok.status, 200);
  t.equal(ok.body.response.allowed, true);

  const tooBig = await post(h.app, JSON.stringify({ ...update, request: { ...update.request, object: cm('x'.repeat(9 * 1024 * 1024)) } }));
  t.equal(tooBig.status, 413);
  t.equal(tooBig.body.code, 'KP_ERR_REVIEW_TOO_LARGE');
  t.equal((await post(h.app, loadReview('pod-create-compliant.json'))).status, 200, 'served afterwards');
  t.match(await h.deps.metrics.registry.metrics(), /kube_posture_admission_malformed_total\{code="KP_ERR_REVIEW_TOO_LARGE"\} 1/);
});

t.test('?timeout= is the deadline: a review whose deadline passed before evaluation gets 504 and is counted', async (t) => {
  // The clock jumps 2 s between the request's arrival and its evaluation.
  let now = 0;
  const h = await harness({ deps: { clock: { now: () => now } } });
  const late = h.app.inject({ method: 'POST', url: '/validate?timeout=1s', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(loadReview('pod-create-privileged.json')) });
  h.app.addHook('preHandler', async () => {
    now += 2000;
  });
  const res = await late;
  t.equal(res.statusCode, 504);
  t.equal(res.json().code, 'KP_ERR_REVIEW_DEADLINE');
  t.match(await h.deps.metrics.registry.metrics(), /kube_posture_admission_deadline_exceeded_total 1/);
});

t.test('parseGoDuration reads the apiserver timeout format', async (t) => {
  t.equal(parseGoDuration('10s'), 10_000);
  t.equal(parseGoDuration('1m0s'), 60_000);
  t.equal(parseGoDuration('1.5s'), 1500);
  t.equal(parseGoDuration('250ms'), 250);
  for (const bad of ['', '10', 's', '10x', '-1s', '0s', undefined, 12, ['10s']]) t.equal(parseGoDuration(bad), undefined, `rejects ${JSON.stringify(bad)}`);
});

t.test('a user policy with an endless loop times out into an error finding; the next request is served', async (t) => {
  const h = await harness({ dirs: [TEST_POLICIES, BAD_POLICIES], config: 'profile: all\nevaluation: {timeoutMs: 50}' });
  const looping = loadReview('pod-create-compliant.json');
  looping.request.object.metadata.labels.loop = 'forever';
  const r = await post(h.app, looping);
  t.equal(r.status, 200);
  // test-endless-loop is onError: open, so it warns instead of denying.
  t.equal(r.body.response.allowed, true);
  t.match(r.body.response.warnings, [/\[test-endless-loop\] policy ran past its time budget/]);
  const next = await post(h.app, loadReview('pod-create-privileged.json'));
  t.equal(next.status, 200);
  t.equal(next.body.response.allowed, false, 'the next request is evaluated normally');
  const metrics = await h.deps.metrics.registry.metrics();
  t.match(metrics, /kube_posture_policy_errors_total\{policy="test-endless-loop",reason="timeout"\} 1/);
  t.match(metrics, /kube_posture_policy_evaluations_total\{policy="test-endless-loop",result="timeout",dry_run="false"\} 1/);
  t.match(metrics, /kube_posture_policy_evaluations_total\{policy="test-endless-loop",result="pass",dry_run="false"\} 1/);
});

t.test('object contents never reach the log: Secret data, thrown messages, malformed bodies', async (t) => {
  const h = await harness({ dirs: [TEST_POLICIES, BAD_POLICIES] });
  const secret = loadReview('secret-create.json');
  // The captured Secret's values as the apiserver sent them: base64 in data (it folds stringData in
  // before admission), and again in kubectl's last-applied annotation, where the stringData value is
  // in clear; plus a value a policy's thrown message quotes.
  const data = secret.request.object.data as Record<string, string>;
  const clear = Object.values(data).map((v) => Buffer.from(v, 'base64').toString('utf8'));
  t.same(clear, ['not-a-real-password', 'fake-token-for-tests'], 'the capture holds only the fake values');
  t.notOk('stringData' in secret.request.object, 'stringData was folded into data');
  const lastApplied = secret.request.object.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] as string;
  t.ok(lastApplied.includes(data.password!) && lastApplied.includes('fake-token-for-tests'), 'the last-applied annotation repeats them');
  const secretValues = [...Object.values(data), ...clear, 'SUPERSECRET-TOKEN-VALUE-9f8e7d'];
  t.equal((await post(h.app, secret)).status, 200);
  // The same Secret inside a body that fails to parse (the JSON parser's message quotes the body).
  await post(h.app, JSON.stringify(loadReview('secret-create.json')).replace('"kind":"AdmissionReview"', '"kind":"AdmissionReview",,'));
  // And inside a review of the wrong shape.
  const wrong = loadReview('secret-create.json');
  wrong.request.operation = 'PATCH';
  await post(h.app, wrong);
  // A policy that throws a message quoting an annotation.
  const pod = loadReview('pod-create-compliant.json');
  pod.request.object.metadata.labels.throw = 'yes';
  pod.request.object.metadata.annotations.secret = secretValues.at(-1);
  const thrown = await post(h.app, pod);
  t.equal(thrown.status, 200);

  t.ok(h.logs.lines().length >= 4, 'the requests were logged');
  for (const v of secretValues) t.notOk(h.logs.text.includes(v), `log does not contain ${v.slice(0, 8)}...`);
  const secretLine = h.logs.lines().find((l) => l.kind === 'Secret' && l.msg === 'admission review');
  t.match(secretLine, { uid: secret.request.uid, namespace: 'team-a', name: 'db-credentials', operation: 'CREATE', user: 'alice@example.com', decision: 'allowed' });
  t.same(secretLine?.audit, ['test-audit-team-label@metadata.labels'], 'audit findings are logged by policy id and path');
});

t.test('pino redaction masks object-shaped fields should anyone log them', async (t) => {
  const h = await harness();
  h.deps.logger.info({ object: { data: { password: 'hunter2' } }, review: { request: {} }, stringData: { token: 'x-secret' } }, 'oops');
  t.notOk(h.logs.text.includes('hunter2'));
  t.notOk(h.logs.text.includes('x-secret'));
  t.match(h.logs.text, /\[redacted\]/);
});
