import t from 'tap';
import { defaultConfig } from '../config/load-config.js';
import { evaluateContext } from '../core/context.js';
import { lookupKind } from '../core/kinds.js';
import { ClusterViewBuilder } from '../core/view/builder.js';
import { buildPolicySet } from '../policy-set/policy-set.js';
import { PostureState } from './posture-state.js';
import { contentDigest, contentHash } from './judge.js';

const DEPLOYMENT = lookupKind({ group: 'apps', kind: 'Deployment' })!;
const REPLICASET = lookupKind({ group: 'apps', kind: 'ReplicaSet' })!;
const POD = lookupKind({ group: '', kind: 'Pod' })!;

const set = await buildPolicySet(defaultConfig(), { profile: 'pss-baseline' });
const policies = (generation = 1) => ({ registry: set.registry, config: set.engine, options: {}, generation });

const podSpec = (privileged: boolean, extra: Record<string, unknown> = {}) => ({ containers: [{ name: 'c', image: 'app:1', ...(privileged ? { securityContext: { privileged: true } } : {}) }], ...extra });
const owner = (kind: string, uid: string) => [{ apiVersion: 'apps/v1', kind, name: uid, uid, controller: true }];
const deployment = (privileged: boolean) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'd1', resourceVersion: '1' }, spec: { selector: {}, template: { metadata: {}, spec: podSpec(privileged) } } });
const replicaset = (privileged: boolean) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'shop', uid: 'r1', ownerReferences: owner('Deployment', 'd1') }, spec: { selector: {}, template: { metadata: {}, spec: podSpec(privileged) } } });
const pod = (name: string, spec: Record<string, unknown>, rv = '1', status: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', uid: `p-${name}`, resourceVersion: rv, ownerReferences: owner('ReplicaSet', 'r1') }, spec, status });

function setup() {
  const dirty: string[] = [];
  const state = new PostureState({ cluster: 'test', onDirty: (uid) => dirty.push(uid) });
  state.setPolicies(policies());
  return { state, dirty };
}

t.test('contentHash leaves out status and server-maintained metadata, and nothing else', async (t) => {
  const a = pod('a', podSpec(false), '1', { phase: 'Pending' });
  t.equal(contentHash(a), contentHash({ ...pod('a', podSpec(false), '7', { phase: 'Running' }), metadata: { ...a.metadata, resourceVersion: '7', managedFields: [{ manager: 'kubelet' }], generation: 3 } }), 'status, resourceVersion, managedFields, generation');
  t.not(contentHash(a), contentHash(pod('a', podSpec(true))), 'the spec');
  t.not(contentHash(a), contentHash({ ...a, metadata: { ...a.metadata, labels: { x: 'y' } } }), 'labels');
  t.same(contentDigest(a), contentDigest({ ...a, status: { phase: 'Running' } }), 'the digest the controller keeps: equal where the hash is');
  t.notSame(contentDigest(a), contentDigest(pod('a', podSpec(true))));
  t.ok(contentDigest(a).every((n) => Number.isInteger(n) && n >= 0 && n < 2 ** 30), 'small integers (held in the entry, not boxed)');
});

t.test('an object is judged again only when its content, namespace labels or policy set change', async (t) => {
  const { state } = setup();
  state.setNamespace('shop', { 'kubernetes.io/metadata.name': 'shop' });
  t.equal(state.upsert(deployment(true), DEPLOYMENT), 'evaluated');
  t.equal(state.upsert({ ...deployment(true), status: { replicas: 3 } }, DEPLOYMENT), 'unchanged', 'status only');
  t.equal(state.upsert(deployment(false), DEPLOYMENT), 'evaluated', 'the template changed');
  t.equal(state.reported('d1')?.findings.length, 0);
  t.notOk(state.setNamespace('shop', { 'kubernetes.io/metadata.name': 'shop' }), 'same labels: no change');
  t.ok(state.setNamespace('shop', { 'kubernetes.io/metadata.name': 'shop', 'kube-posture.io/mode': 'audit' }), 'new labels: a change');
  t.equal(state.upsert(deployment(false), DEPLOYMENT), 'evaluated', 'the namespace labels are part of the key');
  state.setPolicies(policies(2));
  t.equal(state.upsert(deployment(false), DEPLOYMENT), 'evaluated', 'a new policy set judges again');
  t.same(state.counts, { evaluated: 4, unchanged: 1 });
});

t.test('namespace labels: an object judged before they were known is judged again when they come', async (t) => {
  const { state } = setup();
  state.upsert(deployment(true), DEPLOYMENT);
  t.equal(state.reported('d1')?.verdict.allowed, false, 'denied under the default enforce mode');
  t.ok(state.setNamespace('shop', { 'kube-posture.io/mode': 'audit' }), 'first labels for a namespace already judged count as a change');
  state.upsert(deployment(true), DEPLOYMENT);
  t.equal(state.reported('d1')?.verdict.outcome, 'would_deny', 'now judged in audit mode');
});

t.test('owner roll-up: Deployment → ReplicaSet → Pod is one result, in any arrival order', async (t) => {
  const { state, dirty } = setup();
  // The pod arrives first (separate watches): reported itself until its controller is known.
  state.upsert(pod('a', podSpec(true)), POD);
  t.ok(state.reported('p-a'), 'pod reported while its controller is unknown');
  state.upsert(replicaset(true), REPLICASET);
  t.equal(state.reported('p-a'), undefined, 'the ReplicaSet speaks for it now');
  t.ok(dirty.includes('p-a'));
  state.upsert(deployment(true), DEPLOYMENT);
  t.equal(state.reported('r1'), undefined, 'the Deployment speaks for the ReplicaSet');
  t.equal(state.reported('d1')?.findings.length, 1);
  t.same([...state.reportedUids()], ['d1']);
  t.same(state.rolledUp(), { Pod: 1, ReplicaSet: 1 });
  // A pod that differs from its template in a judged field is reported itself.
  state.upsert(pod('b', podSpec(true, { hostNetwork: true })), POD);
  t.ok(state.reported('p-b')?.findings.some((f) => f.path === 'spec.hostNetwork'));
  // The template is fixed: the pods made from the old one no longer match it and are reported.
  dirty.length = 0;
  state.upsert(replicaset(false), REPLICASET);
  t.ok(state.reported('r1') === undefined, 'the clean ReplicaSet rolls into the Deployment still');
  t.ok(state.reported('p-a'), 'the privileged pod is reported once its template no longer has it');
  t.ok(dirty.includes('p-a'));
});

t.test('listings sweep what they no longer show; remove forgets', async (t) => {
  const { state, dirty } = setup();
  state.listStart(POD);
  state.upsert({ ...pod('a', podSpec(false)), metadata: { name: 'a', namespace: 'shop', uid: 'p-a' } }, POD);
  state.upsert({ ...pod('b', podSpec(false)), metadata: { name: 'b', namespace: 'shop', uid: 'p-b' } }, POD);
  t.same(state.listEnd(POD), []);
  state.listStart(POD);
  state.upsert({ ...pod('a', podSpec(false)), metadata: { name: 'a', namespace: 'shop', uid: 'p-a' } }, POD);
  dirty.length = 0;
  t.same(state.listEnd(POD), [{ apiVersion: 'v1', kind: 'Pod', name: 'b', namespace: 'shop' }], 'b was deleted while no watch was open');
  t.same(dirty, ['p-b']);
  t.equal(state.size, 1);
  t.ok(state.remove('p-a'));
  t.notOk(state.remove('p-a'), 'twice is nothing');
  t.equal(state.size, 0);
  t.equal(state.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: podSpec(false) }, POD), 'unnamed', 'no uid: not tracked');
});

t.test('cluster policies: findings join the named object, or make a result; only changes are dirty', async (t) => {
  const ctxSet = await buildPolicySet(defaultConfig(), { profile: 'all' });
  const dirty: string[] = [];
  const state = new PostureState({ cluster: 'test', onDirty: (uid) => dirty.push(uid) });
  state.setPolicies({ registry: ctxSet.registry, config: ctxSet.engine, options: {}, generation: 1 });
  const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: `ns-${name}`, labels: {} } });
  const dep = (namespace: string, uid: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace, uid }, spec: { selector: {}, template: { metadata: { labels: { app: 'web' } }, spec: { ...podSpec(false), automountServiceAccountToken: false } } } });
  const netpol = (podSelector: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'shop', uid: 'np' }, spec: { podSelector, policyTypes: ['Ingress', 'Egress'] } });
  // The state judges shop's Deployment; team's is only in the view (as a kind the state does not judge would be).
  state.upsert(dep('shop', 'd1'), DEPLOYMENT);
  const viewWith = (selector: Record<string, unknown>) => {
    const b = new ClusterViewBuilder({ complete: 'all' });
    for (const o of [ns('shop'), ns('team'), dep('shop', 'd1'), dep('team', 'd2'), netpol(selector)]) b.add(o);
    return b.build();
  };
  const v1 = viewWith({ matchLabels: { app: 'other' } });
  dirty.length = 0;
  state.applyContext(evaluateContext(v1, ctxSet.registry, ctxSet.engine), v1);
  t.ok(state.reported('d1')?.findings.some((f) => f.policyId === 'netpol-workload-not-selected'), 'the judged Deployment carries its context finding');
  const team = state.reported('ns-team');
  t.ok(team?.findings.some((f) => f.policyId === 'netpol-namespace-without-policy'), 'the namespace without a NetworkPolicy has a result of its own');
  t.equal(team && 'uid' in team.ref ? team.ref.uid : '', 'ns-team', 'with the uid the view knows');
  t.ok(dirty.includes('d1') && dirty.includes('ns-team'), `dirty: ${dirty.join(',')}`);
  dirty.length = 0;
  state.applyContext(evaluateContext(v1, ctxSet.registry, ctxSet.engine), v1);
  t.same(dirty, [], 'the same findings again: nothing dirty');
  const v2 = viewWith({});
  state.applyContext(evaluateContext(v2, ctxSet.registry, ctxSet.engine), v2);
  t.ok(dirty.includes('d1'), 'the fixed Deployment is dirty');
  t.notOk(dirty.includes('ns-team'), 'the unchanged namespace is not');
  t.notOk(state.reported('d1')?.findings.some((f) => f.policyId.startsWith('netpol-')));

  // The controller lets go of a run's findings before the next one and compares digests.
  dirty.length = 0;
  state.releaseContext();
  t.notOk(state.reported('d1')?.findings.some((f) => f.policyId.startsWith('netpol-')), 'released: no context findings held');
  state.applyContext(evaluateContext(v2, ctxSet.registry, ctxSet.engine), v2);
  t.same(dirty, [], 'released, then the same findings again: nothing dirty (compared by digest)');
  t.ok(state.reported('ns-team')?.findings.some((f) => f.policyId === 'netpol-namespace-without-policy'), 'and the findings are back');
  state.releaseContext();
  state.applyContext(evaluateContext(v1, ctxSet.registry, ctxSet.engine), v1);
  t.ok(dirty.includes('d1') && !dirty.includes('ns-team'), `released, then a change: only what changed is dirty (${dirty.join(',')})`);
  t.ok(state.reported('d1')?.findings.some((f) => f.policyId === 'netpol-workload-not-selected'));

  // A run that fails after the release: what had context findings is dirty and shows none; the next run restores them all.
  dirty.length = 0;
  state.releaseContext();
  state.contextFailed();
  t.ok(dirty.includes('d1') && dirty.includes('ns-team'), 'failed: every object that had context findings is dirty');
  t.notOk(state.reported('d1')?.findings.some((f) => f.policyId.startsWith('netpol-')));
  t.equal(state.reported('ns-team'), undefined, 'a context-only result is gone');
  dirty.length = 0;
  state.applyContext(evaluateContext(v1, ctxSet.registry, ctxSet.engine), v1);
  t.ok(dirty.includes('d1') && dirty.includes('ns-team'), 'the next run marks them again');
});

t.test('cluster policies: a namespace that kube-posture.io/ignore switches a check off for is reported exempt, and dirty when that changes', async (t) => {
  const ctxSet = await buildPolicySet(defaultConfig(), { profile: 'recommended' });
  const dirty: string[] = [];
  const state = new PostureState({ cluster: 'test', onDirty: (uid) => dirty.push(uid) });
  state.setPolicies({ registry: ctxSet.registry, config: ctxSet.engine, options: {}, generation: 1 });
  const ns = (annotations: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lab', uid: 'ns-lab', annotations } });
  const viewWith = (annotations: Record<string, string>) => {
    const b = new ClusterViewBuilder({ complete: 'all' });
    for (const o of [ns(annotations), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'lab', uid: 'p' }, spec: podSpec(false) }]) b.add(o);
    return b.build();
  };
  const ignored = viewWith({ 'kube-posture.io/ignore': 'netpol-namespace-without-policy', 'kube-posture.io/ignore-reason': 'sandbox' });
  state.applyContext(evaluateContext(ignored, ctxSet.registry, ctxSet.engine), ignored);
  const lab = state.reported('ns-lab');
  t.same(lab?.findings, [], 'no finding');
  t.same(lab?.policyExemptions, [{ policyId: 'netpol-namespace-without-policy', reason: 'annotation kube-posture.io/ignore: sandbox' }], 'a result of its own that says it is exempt, with the reason');
  dirty.length = 0;
  const plain = viewWith({});
  state.applyContext(evaluateContext(plain, ctxSet.registry, ctxSet.engine), plain);
  t.ok(dirty.includes('ns-lab'), 'the annotation removed: dirty');
  t.ok(state.reported('ns-lab')?.findings.some((f) => f.policyId === 'netpol-namespace-without-policy'), 'and reported again');
});
