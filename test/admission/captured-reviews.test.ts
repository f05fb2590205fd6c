/**
 * Every AdmissionReview captured from a real kube-apiserver (test/fixtures/reviews/captured, see its
 * README) replayed through the webhook with the built-in `recommended` profile, and what the real
 * bodies carry that hand-written ones did not (defaults, managedFields, a node's userInfo, options,
 * requestKind) checked against our parser and engine.
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { REVIEWS, harness, loadReview, post } from './fixtures/harness.js';

interface Expect {
  allowed: boolean;
  /** The one deny-level violation: policy id and field path, as the deny message names them. */
  deny?: [policyId: string, path: string];
  /** Policies that must be among the warnings. */
  warn?: string[];
  /** The request is not judged by any policy here: no warning at all. */
  quiet?: true;
  apiVersion?: 'admission.k8s.io/v1beta1';
}

const PRIVILEGED = (root: string): [string, string] => ['pss-privileged', `${root}containers[0].securityContext.privileged`];

// The decision the `recommended` profile makes on each captured review.
const EXPECTED: Record<string, Expect> = {
  'pod-create-compliant.json': { allowed: true },
  'pod-create-privileged.json': { allowed: false, deny: PRIVILEGED('spec.') },
  // Only labels (and so managedFields and the last-applied annotation) changed: the privileged pod is not judged again.
  'pod-update-labels-only.json': { allowed: true, quiet: true },
  // An image change is judged in full: the pod was privileged all along.
  'pod-update-spec-change.json': { allowed: false, deny: PRIVILEGED('spec.') },
  // activeDeadlineSeconds is not re-checked, as by Pod Security Admission (isSignificantPodUpdate):
  // of a pod's spec only images and containers make it judged again.
  'pod-update-active-deadline.json': { allowed: true, quiet: true },
  // pods/status, written by the node: not judged, whatever the pod holds.
  'pod-status-update.json': { allowed: true, quiet: true },
  'pod-connect-exec.json': { allowed: true, quiet: true },
  'pod-ephemeralcontainers-privileged.json': { allowed: false, deny: ['pss-privileged', 'spec.ephemeralContainers[0].securityContext.privileged'] },
  'pod-delete.json': { allowed: true, quiet: true },
  'deployment-create-compliant.json': { allowed: true, warn: ['require-resource-requests'] },
  'deployment-create-privileged-dryrun.json': { allowed: false, deny: PRIVILEGED('spec.template.spec.') },
  'deployment-create-v1beta1.json': { allowed: false, deny: PRIVILEGED('spec.template.spec.'), apiVersion: 'admission.k8s.io/v1beta1' },
  'cronjob-create-privileged.json': { allowed: false, deny: PRIVILEGED('spec.jobTemplate.spec.template.spec.') },
  'clusterrole-create-wildcard.json': { allowed: false, deny: ['rbac-no-wildcard-verbs', 'rules[1].verbs[0]'], warn: ['rbac-no-create-workloads'] },
  'clusterrole-delete.json': { allowed: true, quiet: true },
  'role-update-wildcard.json': { allowed: false, deny: ['rbac-no-wildcard-verbs', 'rules[0].verbs[0]'], warn: ['rbac-no-create-pods'] },
  'rolebinding-create.json': { allowed: true, quiet: true },
  'networkpolicy-create-allow-all.json': { allowed: true, warn: ['netpol-no-allow-all-ingress', 'netpol-empty-selector-allow-all'] },
  'networkpolicy-delete.json': { allowed: true, quiet: true },
  'secret-create.json': { allowed: true, quiet: true },
};

const captured = readdirSync(REVIEWS).filter((f) => f.endsWith('.json')).sort();
const recommended = () => harness({ builtin: true, dirs: [], config: 'profile: recommended' });
const warnedIds = (warnings: string[] | undefined): string[] => (warnings ?? []).map((w) => /^\[([^\]]+)\]/.exec(w)?.[1] ?? w);

t.test('the table and the captured files match one to one', async (t) => {
  t.same(captured, Object.keys(EXPECTED).sort(), 'every captured review has an expected decision, and every expectation a file');
  t.ok(captured.some((f) => loadReview(f).apiVersion === 'admission.k8s.io/v1beta1'), 'a v1beta1 review is among them');
});

t.test('every captured review, profile recommended: 200, same uid and apiVersion, the expected decision', async (t) => {
  const h = await recommended();
  for (const file of captured) {
    const want = EXPECTED[file];
    if (want === undefined) continue; // reported by the test above
    const review = loadReview(file);
    t.equal(review.apiVersion, want.apiVersion ?? 'admission.k8s.io/v1', `${file}: sent as ${review.apiVersion}`);
    const { status, body } = await post(h.app, review);
    t.equal(status, 200, `${file}: HTTP 200`);
    t.equal(body.apiVersion, review.apiVersion, `${file}: apiVersion echoed`);
    t.equal(body.kind, 'AdmissionReview', `${file}: kind`);
    t.equal(body.response.uid, review.request.uid, `${file}: uid echoed`);
    t.equal(typeof body.response.allowed, 'boolean', `${file}: allowed is a boolean`);
    t.equal(body.response.allowed, want.allowed, `${file}: allowed=${want.allowed}`);
    if (want.deny !== undefined) {
      const [id, path] = want.deny;
      t.match(body.response.status, { code: 403, reason: 'Forbidden' }, `${file}: 403 Forbidden`);
      t.match(body.response.status.message, /^kube-posture: 1 policy violation: /, `${file}: one deny-level violation`);
      t.ok(body.response.status.message.includes(`[${id}]`) && body.response.status.message.endsWith(`(${path})`), `${file}: denied by ${id} at ${path}`);
    } else {
      t.notOk(body.response.status, `${file}: no status on allow`);
    }
    const warned = warnedIds(body.response.warnings);
    for (const id of want.warn ?? []) t.ok(warned.includes(id), `${file}: warns ${id}`);
    if (want.quiet) t.same(body.response.warnings ?? [], [], `${file}: no warnings`);
  }
});

t.test('apiserver defaults: Pods get resources.requests copied from limits, templates do not', async (t) => {
  const pod = loadReview('pod-create-compliant.json');
  const deployment = loadReview('deployment-create-compliant.json');
  const podContainer = pod.request.object.spec.containers[0];
  const templateContainer = deployment.request.object.spec.template.spec.containers[0];
  // Both manifests set only limits (see test/e2e/capture-reviews.ts).
  t.same(podContainer.resources.requests, podContainer.resources.limits, 'the pod arrives with requests = limits');
  t.same(templateContainer.resources, { limits: podContainer.resources.limits }, 'the template arrives with limits only');
  t.equal(podContainer.imagePullPolicy, 'IfNotPresent', 'defaulted fields are present, not absent');

  const h = await recommended();
  const podWarned = warnedIds((await post(h.app, pod)).body.response.warnings);
  const deploymentWarned = warnedIds((await post(h.app, deployment)).body.response.warnings);
  t.notOk(podWarned.includes('require-resource-requests'), 'the pod itself has requests');
  t.ok(deploymentWarned.includes('require-resource-requests'), 'the template does not: the warning comes where the author can fix it');
});

t.test('UPDATE: metadata noise (labels, managedFields) does not make an unchanged pod spec judged', async (t) => {
  const labels = loadReview('pod-update-labels-only.json').request;
  t.notSame(labels.object.metadata.labels, labels.oldObject.metadata.labels, 'labels changed');
  t.notSame(labels.object.metadata.managedFields, labels.oldObject.metadata.managedFields, 'managedFields changed');
  t.same(labels.object.spec, labels.oldObject.spec, 'the spec did not');

  for (const [file, field] of [['pod-update-spec-change.json', 'image'], ['pod-update-active-deadline.json', 'activeDeadlineSeconds']] as const) {
    const r = loadReview(file).request;
    const changed = Object.keys(r.object.spec).filter((k) => JSON.stringify(r.object.spec[k]) !== JSON.stringify(r.oldObject.spec[k]));
    t.same(changed, [field === 'image' ? 'containers' : field], `${file}: only ${field} changed in the spec`);
  }

  // Under the test policies, the labels-only update runs no pod policy at all.
  const h = await harness();
  const { body } = await post(h.app, loadReview('pod-update-labels-only.json'));
  t.equal(body.response.allowed, true);
  const metrics = await h.deps.metrics.registry.metrics();
  t.notMatch(metrics, /kube_posture_policy_evaluations_total\{policy="test-no-privileged"/, 'test-no-privileged did not run');
  t.match(metrics, /kube_posture_admission_requests_total\{operation="UPDATE",kind="Pod",decision="allowed",dry_run="false"\} 1/);
});

t.test("sub-resources, CONNECT and DELETE as the apiserver sends them: the log names them, nothing is judged", async (t) => {
  const status = loadReview('pod-status-update.json');
  t.same(status.request.userInfo, { username: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'] }, 'a node: no uid, no extra');
  t.equal(status.request.object.spec.containers[0].securityContext.privileged, true, 'the pod written is privileged');
  const exec = loadReview('pod-connect-exec.json');
  t.equal(exec.request.options, null, 'CONNECT carries no options');
  t.equal(exec.request.object.kind, 'PodExecOptions');
  const del = loadReview('pod-delete.json');
  t.equal(del.request.object, null, 'DELETE: no object');
  t.equal(del.request.oldObject.spec.containers[0].securityContext.privileged, true, 'the pod deleted is privileged');
  t.equal(del.request.options.kind, 'DeleteOptions');

  const h = await recommended();
  for (const review of [status, exec, del]) t.equal((await post(h.app, review)).body.response.allowed, true);
  const lines = h.logs.lines().filter((l) => l.msg === 'admission review');
  t.match(lines, [
    { uid: status.request.uid, kind: 'Pod', subResource: 'status', operation: 'UPDATE', user: 'system:node:worker-1', decision: 'allowed' },
    { uid: exec.request.uid, kind: 'PodExecOptions', subResource: 'exec', operation: 'CONNECT', user: 'alice@example.com', decision: 'allowed' },
    { uid: del.request.uid, kind: 'Pod', operation: 'DELETE', name: 'priv', namespace: 'team-a', decision: 'allowed' },
  ]);
  for (const l of lines) t.notOk('denied' in l || 'warned' in l || 'audit' in l, `${l.operation}: no findings`);
});

t.test('real userInfo (x509 credential id), options and dryRun reach the log as they should', async (t) => {
  const review = loadReview('deployment-create-privileged-dryrun.json');
  t.match(review.request.userInfo, { username: 'alice@example.com', groups: ['developers', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': [/^X509SHA256=[0-9a-f]{64}$/] } });
  t.equal(review.request.dryRun, true);
  t.same(review.request.options.dryRun, ['All'], 'the apiserver also names the dry run in options');
  const h = await recommended();
  const { body } = await post(h.app, review);
  t.equal(body.response.allowed, false, 'a dry run gets the real verdict');
  const line = h.logs.lines().find((l) => l.msg === 'admission review');
  t.match(line, { user: 'alice@example.com', dryRun: true, decision: 'denied', kind: 'Deployment.apps' });
  t.notOk(h.logs.text.includes('X509SHA256'), 'the credential id is not logged');
});

t.test('requestKind: the object is judged as `kind`, the version the apiserver converted it to', async (t) => {
  // Under matchPolicy: Equivalent a request made in another version of the resource arrives converted
  // to the registered one: `kind` names the object's version, `requestKind` the client's. The capture
  // has them equal (apps/v1 is the only version served); the other case is made by editing it.
  const review = loadReview('deployment-create-v1beta1.json');
  t.same(review.request.requestKind, review.request.kind, 'captured: requestKind = kind');
  review.request.requestKind = { group: 'apps', version: 'v1beta2', kind: 'Deployment' };
  review.request.requestResource = { group: 'apps', version: 'v1beta2', resource: 'deployments' };
  const h = await recommended();
  const { body } = await post(h.app, review);
  t.equal(body.apiVersion, 'admission.k8s.io/v1beta1');
  t.equal(body.response.allowed, false);
  t.ok(body.response.status.message.endsWith('(spec.template.spec.containers[0].securityContext.privileged)'));
});
