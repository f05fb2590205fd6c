import t from 'tap';
import { harness, loadReview, post } from './fixtures/harness.js';
import { staticNamespaceLabels } from '../../src/cluster/namespace-labels.js';

interface Expect {
  allowed: boolean;
  /** Substrings of the deny message. */
  message?: string[];
  warnings?: string[];
  annotations?: string[];
  apiVersion?: string;
}

// Decisions under the test policies (test/fixtures/webhook-policies, profile `all`) on the captured reviews.
const CASES: Record<string, Expect> = {
  'pod-create-privileged.json': { allowed: false, message: ['[test-no-privileged]', 'spec.containers[0].securityContext.privileged'] },
  'pod-create-compliant.json': { allowed: true },
  // Pod Security Admission semantics: an update that leaves the pod spec alone is not denied for old violations.
  'pod-update-labels-only.json': { allowed: true },
  'pod-update-spec-change.json': { allowed: false, message: ['spec.containers[0].securityContext.privileged'] },
  // activeDeadlineSeconds is not judged again, as by Pod Security Admission (only images and containers are).
  'pod-update-active-deadline.json': { allowed: true },
  'pod-delete.json': { allowed: true },
  'pod-connect-exec.json': { allowed: true },
  'pod-ephemeralcontainers-privileged.json': { allowed: false, message: ['spec.ephemeralContainers[0].securityContext.privileged'] },
  'pod-status-update.json': { allowed: true },
  'deployment-create-privileged-dryrun.json': { allowed: false, message: ['spec.template.spec.containers[0].securityContext.privileged'] },
  'deployment-create-v1beta1.json': { allowed: false, apiVersion: 'admission.k8s.io/v1beta1', message: ['spec.template.spec.containers[0].securityContext.privileged'] },
  'deployment-create-compliant.json': { allowed: true },
  'cronjob-create-privileged.json': { allowed: false, message: ['spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged'] },
  'clusterrole-create-wildcard.json': { allowed: false, message: ['[test-rbac-no-wildcard]', 'rules[1].verbs'] },
  'role-update-wildcard.json': { allowed: false, message: ['rules[0].verbs'] },
  'rolebinding-create.json': { allowed: true },
  'clusterrole-delete.json': { allowed: true },
  'networkpolicy-create-allow-all.json': { allowed: true, warnings: ['[test-netpol-allow-all] ingress rule admits every source (spec.ingress[0])'] },
  'networkpolicy-delete.json': { allowed: true },
  'secret-create.json': { allowed: true, annotations: ['test-audit-team-label'] },
};

t.test('captured reviews get the expected answers, in the version they came in', async (t) => {
  const h = await harness();
  for (const [file, want] of Object.entries(CASES)) {
    const review = loadReview(file);
    const { status, body } = await post(h.app, review);
    t.equal(status, 200, `${file}: HTTP 200`);
    t.equal(body.apiVersion, want.apiVersion ?? 'admission.k8s.io/v1', `${file}: apiVersion echoed`);
    t.equal(body.kind, 'AdmissionReview', `${file}: kind`);
    t.equal(body.response.uid, review.request.uid, `${file}: uid echoed`);
    t.equal(body.response.allowed, want.allowed, `${file}: allowed=${want.allowed}`);
    t.notOk('patch' in body.response || 'patchType' in body.response, `${file}: never a patch`);
    if (!want.allowed) {
      t.match(body.response.status, { code: 403, reason: 'Forbidden' }, `${file}: 403 Forbidden`);
      for (const m of want.message ?? []) t.ok(body.response.status.message.includes(m), `${file}: message names ${m}`);
    } else {
      t.notOk(body.response.status, `${file}: no status on allow`);
    }
    t.same(body.response.warnings ?? [], want.warnings ?? [], `${file}: warnings`);
    t.same(Object.keys(body.response.auditAnnotations ?? {}), want.annotations ?? [], `${file}: audit annotations`);
  }
});

t.test('one deny message lists every deny-level violation with its path; warnings ride along on denies', async (t) => {
  const h = await harness();
  const review = loadReview('pod-create-privileged.json');
  const spec = review.request.object.spec;
  spec.initContainers = [{ name: 'init', image: 'busybox', securityContext: { privileged: true } }];
  const { body } = await post(h.app, review);
  t.equal(body.response.allowed, false);
  t.match(body.response.status.message, /2 policy violations/);
  t.match(body.response.status.message, /spec\.initContainers\[0\]\.securityContext\.privileged/);
  t.match(body.response.status.message, /spec\.containers\[0\]\.securityContext\.privileged/);
  t.same(body.response.warnings, ['[test-image-tag] container "init" image should have a fixed tag (spec.initContainers[0].image)']);
});

t.test('audit mode never denies: would-deny warning, audit annotation and a log line with policy ids', async (t) => {
  const h = await harness({ config: 'profile: all\nmode: audit' });
  const { body } = await post(h.app, loadReview('pod-create-privileged.json'));
  t.equal(body.response.allowed, true);
  t.match(body.response.warnings, [/^would deny: \[test-no-privileged\]/]);
  t.match(body.response.auditAnnotations, { 'would-deny': /test-no-privileged/ });
  const line = h.logs.lines().find((l) => l.msg === 'admission review: would deny');
  t.ok(line, 'a would-deny log line');
  t.same(line?.wouldDeny, ['test-no-privileged@spec.containers[0].securityContext.privileged']);
  t.equal(line?.decision, 'would_deny');
});

t.test('namespace labels come from the label source; unknown namespaces get the configured default', async (t) => {
  const h = await harness({ namespaces: staticNamespaceLabels({ 'team-a': { 'kube-posture.io/mode': 'audit' } }) });
  const inAudit = await post(h.app, loadReview('pod-create-privileged.json'));
  t.equal(inAudit.body.response.allowed, true, 'team-a is labelled audit');
  const other = loadReview('pod-create-privileged.json');
  other.request.namespace = 'team-b';
  const enforced = await post(h.app, other);
  t.equal(enforced.body.response.allowed, false, 'team-b is not in the cache: configured enforce');
});

t.test("the webhook's own namespace and service account are never blocked", async (t) => {
  const h = await harness({ policySet: { ownExemptions: { source: "webhook's own", exemptions: { namespaces: ['kube-posture'], serviceAccounts: ['kube-posture:kube-posture'] } } } });
  const own = loadReview('pod-create-privileged.json');
  own.request.namespace = 'kube-posture';
  t.equal((await post(h.app, own)).body.response.allowed, true, 'own namespace');
  const bySa = loadReview('clusterrole-create-wildcard.json');
  bySa.request.userInfo = { username: 'system:serviceaccount:kube-posture:kube-posture', groups: ['system:serviceaccounts'] };
  t.equal((await post(h.app, bySa)).body.response.allowed, true, 'own service account');
  const other = loadReview('clusterrole-create-wildcard.json');
  other.request.userInfo = { username: 'system:serviceaccount:other:kube-posture' };
  t.equal((await post(h.app, other)).body.response.allowed, false, 'a same-named account elsewhere is not exempt');
  t.equal(h.logs.lines().filter((l) => l.decision === 'exempt').length, 2);
});

t.test('dryRun requests are evaluated like others and marked in metrics and logs', async (t) => {
  const h = await harness();
  const { body } = await post(h.app, loadReview('deployment-create-privileged-dryrun.json'));
  t.equal(body.response.allowed, false);
  const metrics = await h.deps.metrics.registry.metrics();
  t.match(metrics, /kube_posture_admission_requests_total\{operation="CREATE",kind="Deployment.apps",decision="denied",dry_run="true"\} 1/);
  t.match(metrics, /kube_posture_policy_evaluations_total\{policy="test-no-privileged",result="fail",dry_run="true"\} 1/);
  t.equal(h.logs.lines().find((l) => l.msg === 'admission review')?.dryRun, true);
});

t.test('metrics count requests by decision and policy runs by result', async (t) => {
  const h = await harness();
  await post(h.app, loadReview('pod-create-privileged.json'));
  await post(h.app, loadReview('pod-create-compliant.json'));
  await post(h.app, loadReview('networkpolicy-create-allow-all.json'));
  const res = await h.app.inject({ method: 'GET', url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/plain/);
  t.match(res.body, /kube_posture_admission_requests_total\{operation="CREATE",kind="Pod",decision="denied",dry_run="false"\} 1/);
  t.match(res.body, /kube_posture_admission_requests_total\{operation="CREATE",kind="Pod",decision="allowed",dry_run="false"\} 1/);
  t.match(res.body, /kube_posture_policy_evaluations_total\{policy="test-no-privileged",result="pass",dry_run="false"\} 1/);
  t.match(res.body, /kube_posture_policy_evaluations_total\{policy="test-netpol-allow-all",result="fail",dry_run="false"\} 1/);
  t.match(res.body, /kube_posture_admission_duration_seconds_count\{operation="CREATE"\} 3/);
});

t.test('probes: liveness always, readiness needs policies, a synced namespace cache and no shutdown', async (t) => {
  const h = await harness();
  t.equal((await h.app.inject('/healthz')).statusCode, 200);
  t.equal((await h.app.inject('/readyz')).statusCode, 200);
  h.deps.lifecycle = { shuttingDown: true };
  const down = await h.app.inject('/readyz');
  t.equal(down.statusCode, 503);
  t.same(down.json().reasons, ['shutting down']);

  const empty = await harness();
  const noPolicies = { ...empty.deps, policies: { current: () => undefined } };
  const { buildServer } = await import('../../src/admission/server.js');
  const app = buildServer({ ...noPolicies, namespaces: { ...empty.deps.namespaces, synced: () => false } });
  const r = await app.inject('/readyz');
  t.equal(r.statusCode, 503);
  t.same(r.json().reasons, ['policies not loaded', 'namespace cache not synced']);
  const review = await post(app, loadReview('pod-create-compliant.json'));
  t.equal(review.status, 503, 'reviews are refused without a policy set');
  t.equal(review.body.code, 'KP_ERR_SERVER_NOT_READY');
});

t.test('unknown routes and methods get a JSON 404', async (t) => {
  const h = await harness();
  const r = await h.app.inject({ method: 'GET', url: '/validate' });
  t.equal(r.statusCode, 404);
  t.equal(r.json().code, 'KP_ERR_HTTP_NOT_FOUND');
});

t.test('the review path is configurable', async (t) => {
  const h = await harness({ server: { path: '/kube-posture/validate' } });
  t.equal((await post(h.app, loadReview('pod-create-compliant.json'), '/kube-posture/validate')).status, 200);
  t.equal((await post(h.app, loadReview('pod-create-compliant.json'), '/validate')).status, 404);
});

t.test('connection timeouts: keep-alive above the apiserver idle 90 s; headers within the request timeout', async (t) => {
  const h = await harness();
  const server = h.app.server as unknown as { keepAliveTimeout: number; headersTimeout: number; requestTimeout: number };
  t.ok(server.keepAliveTimeout > 90_000, `keepAliveTimeout ${server.keepAliveTimeout}`);
  t.ok(server.headersTimeout > 0 && server.headersTimeout <= server.requestTimeout, `headersTimeout ${server.headersTimeout} <= requestTimeout ${server.requestTimeout}`);
});
