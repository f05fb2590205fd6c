import t from 'tap';
import { ClusterViewBuilder } from './builder.js';
import { describeGrantChain } from './rights.js';
import type { ClusterView } from './types.js';

const rbac = 'rbac.authorization.k8s.io/v1';
const deployment = (name: string, ns: string, labels: Record<string, string>, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns, ...meta }, spec: { template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x:1' }], ...spec } } },
});

function view(objects: unknown[], complete: 'all' | string[] = 'all'): ClusterView {
  const b = new ClusterViewBuilder({ complete });
  for (const o of objects) b.add(o);
  return b.build();
}

/** Every string reachable from a value, private fields and Map/Set contents included. */
function reachableStrings(root: unknown): Set<string> {
  const out = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.add(v);
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Map) for (const [k, x] of v) { walk(k); walk(x); }
    else if (v instanceof Set) for (const x of v) walk(x);
    for (const key of Reflect.ownKeys(v)) {
      if (typeof key === 'string') out.add(key);
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d && 'value' in d) walk(d.value);
    }
  };
  walk(root);
  return out;
}

t.test('odd input is data: nothing throws, nothing half-formed is kept', async (t) => {
  const odd: unknown[] = [
    null, undefined, 5, 'x', [], {}, { kind: 'Pod' }, { apiVersion: 'v1', kind: 'Pod', metadata: 'x' },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 5 } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 7, labels: 'x', ownerReferences: 'x' }, spec: 'x' },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { a: 1 } }, spec: { template: { metadata: { labels: [1] }, spec: { serviceAccountName: 5, automountServiceAccountToken: 'yes', volumes: 'x' } } } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: 'x', policyTypes: 'Ingress' } },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'r' }, rules: 'x', aggregationRule: { clusterRoleSelectors: [null, { matchLabels: 'x' }] } },
    { apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'b' }, roleRef: 'x', subjects: [null, 5, { kind: 'User' }, { kind: 'ServiceAccount', name: 's' }] },
    { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'c' }, roleRef: { kind: 'Role', name: 'r' }, subjects: 'x' },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's', namespace: 'n' }, automountServiceAccountToken: 0 },
  ];
  let v: ClusterView | undefined;
  t.doesNotThrow(() => { v = view(odd); });
  const w = v!.workloads();
  t.same(w.map((x) => `${x.kind} ${x.namespace}/${x.name} sa=${x.serviceAccountName}`).sort(), ['Deployment default/d sa=default', 'Pod default/p sa=default'], 'namespaceless workloads land in default');
  t.equal(v!.networkPolicies()[0]?.podSelector, undefined, 'a selector that is not an object selects nothing');
  t.same(v!.networkPolicies()[0]?.policyTypes, ['Ingress']);
  t.equal(v!.bindings().length, 2);
  t.equal(v!.roleOf(v!.bindings().find((b) => b.kind === 'ClusterRoleBinding')!), undefined, 'a ClusterRoleBinding cannot refer to a Role');
  t.same(v!.subjects(), [{ kind: 'ServiceAccount', namespace: 'default', name: 's' }], 'a subject with no name names nobody');
  t.equal(v!.serviceAccount('n', 's')?.automountServiceAccountToken, undefined);
  t.ok(Object.isFrozen(v) && Object.isFrozen(v!.workloads()) && Object.isFrozen(v!.workloads()[0]!.podLabels), 'the view and its summaries are frozen');
});

t.test('no object contents are kept: a Secret leaves nothing, a workload keeps no env or image', async (t) => {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, data: { password: 'c3VwZXJzZWNyZXQ=' }, stringData: { token: 'TOPSECRET-TOKEN' } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop', annotations: { note: 'ANNOTATION-TEXT' } }, spec: { containers: [{ name: 'c', image: 'IMAGE-REF:1', env: [{ name: 'PW', value: 'ENV-VALUE' }] }] } };
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' }, data: { key: 'CONFIG-VALUE' } };
  const v = view([secret, pod, cm]);
  const strings = reachableStrings(v);
  for (const s of ['c3VwZXJzZWNyZXQ=', 'TOPSECRET-TOKEN', 'password', 'ANNOTATION-TEXT', 'IMAGE-REF:1', 'ENV-VALUE', 'CONFIG-VALUE']) t.notOk(strings.has(s), `${s} is not reachable from the view`);
  t.ok(strings.has('p'), 'the walk is not vacuous: the pod name is there');
  t.equal(v.workloads().length, 1);
});

t.test('workloads: owned objects roll up into their controller; tokens; NetworkPolicy selection', async (t) => {
  const v = view([
    deployment('web', 'shop', { app: 'web' }, { serviceAccountName: 'web' }, { uid: 'd1' }),
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'shop', uid: 'r1', ownerReferences: [{ controller: true, uid: 'd1', kind: 'Deployment', apiVersion: 'apps/v1', name: 'web' }] }, spec: { template: { metadata: { labels: { app: 'web' } } } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1-a', namespace: 'shop', ownerReferences: [{ controller: true, uid: 'r1' }] }, spec: {} },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'shop', ownerReferences: [{ controller: true, uid: 'gone' }] }, spec: { automountServiceAccountToken: false } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' }, automountServiceAccountToken: false },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'web' } }, egress: [{}] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'bad', namespace: 'shop' }, spec: { podSelector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] } } },
  ]);
  t.same(v.workloads().map((w) => w.name), ['web', 'orphan'], 'ReplicaSet and Pod judged through the Deployment; an orphan stands alone');
  const web = v.workloads()[0]!;
  t.same(web.podPath, ['spec', 'template']);
  t.equal(v.mountsToken(web), false, 'the ServiceAccount turns automounting off');
  t.same(v.policiesSelecting(web, 'Ingress').map((p) => p.name), ['web']);
  t.same(v.policiesSelecting(web, 'Egress').map((p) => p.name), ['web'], 'egress rules make Egress a type');
  t.same(v.policiesSelecting(v.workloads()[1]!, 'Ingress').map((p) => p.name), [], 'a malformed selector selects nothing');
  t.same(v.namespaceNames(), ['shop']);
  t.same(v.namespaceId('shop'), { apiVersion: 'v1', kind: 'Namespace', name: 'shop' });
  t.equal(v.namespaceLabels('shop')['kubernetes.io/metadata.name'], 'shop');
});

t.test('RBAC: aggregation (nested, cyclic), subjects and their groups, the chain as evidence', async (t) => {
  const cr = (name: string, labels: Record<string, string>, rules: unknown[], selectors?: unknown[]) => ({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name, labels }, rules, ...(selectors ? { aggregationRule: { clusterRoleSelectors: selectors } } : {}) });
  const v = view([
    cr('top', {}, [], [{ matchLabels: { to: 'top' } }]),
    cr('middle', { to: 'top' }, [], [{ matchLabels: { to: 'middle' } }]),
    cr('leaf', { to: 'middle' }, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]),
    cr('loop', { to: 'middle' }, [], [{ matchLabels: { to: 'top' } }]),
    { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'all-sa' }, roleRef: { kind: 'ClusterRole', name: 'top' }, subjects: [{ kind: 'Group', name: 'system:serviceaccounts:ci' }] },
    { apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'as-user', namespace: 'ci' }, roleRef: { kind: 'ClusterRole', name: 'leaf' }, subjects: [{ kind: 'User', name: 'system:serviceaccount:ci:bot' }] },
  ]);
  const top = v.roles().find((r) => r.name === 'top')!;
  t.same(v.ruleSources(top).map((s) => `${s.source.name} via ${s.via.map((r) => r.name).join('>')}`), ['leaf via middle'], 'nested aggregation resolves once, the cycle ends');
  t.same(v.aggregatedInto(v.roles().find((r) => r.name === 'leaf')!).map((r) => r.name), ['middle']);
  t.same(v.aggregatedInto(v.roles().find((r) => r.name === 'middle')!).map((r) => r.name).sort(), ['loop', 'top'], 'middle and loop select each other');
  const bot = { kind: 'ServiceAccount' as const, namespace: 'ci', name: 'bot' };
  const secrets = [{ group: '', resources: ['secrets'], verbs: ['get'] }];
  t.same(v.grantsFor(bot, secrets).map((g) => g.binding.name), ['as-user'], 'the system:serviceaccount: user is the service account');
  const all = v.grantsFor(bot, secrets, { viaGroups: true });
  t.same(all.map((g) => `${g.binding.name} ${g.viaGroup}`), ['as-user false', 'all-sa true']);
  t.equal(describeGrantChain(all[1]!), 'through Group "system:serviceaccounts:ci": ClusterRoleBinding "all-sa" -> ClusterRole "top" (aggregated from ClusterRole "middle" <- ClusterRole "leaf") -> rules[0]: "get" on "secrets" cluster-wide');
  t.equal(describeGrantChain(all[0]!), 'RoleBinding "ci/as-user" -> ClusterRole "leaf" -> rules[0]: "get" on "secrets" in namespace "ci"');
  t.same(v.grantsFor(bot, secrets, { viaGroups: true, skipBinding: (b) => b.name === 'all-sa' }).length, 1);
  t.same(v.bindingsOf(top).map((b) => b.name), ['all-sa']);
  t.same(v.originOf(v.subjectId(bot)), { apiVersion: rbac, kind: 'RoleBinding', namespace: 'ci', name: 'as-user' }, 'a subject points at the binding that named it first');
  t.equal(v.originOf(top.id), undefined, 'an object of the view is its own place');
});

t.test('completeness: all for a manifest set, per kind for a live scan', async (t) => {
  t.equal(view([], 'all').complete('NetworkPolicy.networking.k8s.io'), true);
  const partial = view([], ['NetworkPolicy.networking.k8s.io', 'Namespace']);
  t.equal(partial.complete('NetworkPolicy.networking.k8s.io'), true);
  t.equal(partial.complete('Namespace'), true);
  t.equal(partial.complete('ClusterRole.rbac.authorization.k8s.io'), false);
  const b = new ClusterViewBuilder();
  b.markComplete('Role.rbac.authorization.k8s.io');
  const v = b.build();
  b.markComplete('ClusterRole.rbac.authorization.k8s.io');
  t.equal(v.complete('Role.rbac.authorization.k8s.io'), true);
  t.equal(v.complete('ClusterRole.rbac.authorization.k8s.io'), false, 'a built view does not change with its builder');
});

t.test('metadata of listed objects: uid and resourceVersion for live reports', async (t) => {
  const v = view([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: 'u1', resourceVersion: '9', labels: { team: 'a' } } }]);
  t.same(v.metaOf({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }), { uid: 'u1', resourceVersion: '9' });
  t.same(v.labelsOf({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }), { team: 'a' });
  t.same(v.namespaceLabels('shop'), { team: 'a', 'kubernetes.io/metadata.name': 'shop' });
});

t.test('memory: objects judged through a controller in the view leave nothing behind but a controller uid', async (t) => {
  const b = new ClusterViewBuilder();
  const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'shop', uid: 'r1', ownerReferences: [{ controller: true, uid: 'd1', kind: 'Deployment', apiVersion: 'apps/v1', name: 'web' }] }, spec: { template: { metadata: { labels: { app: 'web' } } } } };
  const pod = (name: string, owner: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', uid: `u-${name}`, ownerReferences: [{ controller: true, uid: owner }] }, spec: {} });
  b.add(deployment('web', 'shop', { app: 'web' }, {}, { uid: 'd1' }));
  b.add(rs);
  for (let i = 0; i < 3; i++) b.add(pod(`web-1-pod${i}`, 'r1'));
  const strings = reachableStrings(b);
  for (const s of ['web-1', 'web-1-pod0', 'u-web-1-pod2']) t.notOk(strings.has(s), `${s} is not kept by the builder`);
  t.same(b.build().workloads().map((w) => w.name), ['web']);
  // The Deployment goes and the ReplicaSet is orphaned (its ownerReference removed): it stands alone, its pods still roll into it.
  b.remove({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' });
  b.add({ ...rs, metadata: { ...rs.metadata, ownerReferences: [] } });
  t.same(b.build().workloads().map((w) => w.name), ['web-1']);
  // A pod that came before its controller is kept until its controller is in the view, then left out.
  const early = new ClusterViewBuilder();
  early.add(pod('first', 'd2'));
  t.same(early.build().workloads().map((w) => w.name), ['first']);
  early.add(deployment('late', 'shop', {}, {}, { uid: 'd2' }));
  t.same(early.build().workloads().map((w) => w.name), ['late']);
});

t.test('a built view keeps what it saw when its builder changes afterwards (meta is shared until then)', async (t) => {
  const b = new ClusterViewBuilder();
  b.add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: 'u1', resourceVersion: '1' } });
  const v1 = b.build();
  b.add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: 'u1', resourceVersion: '2' } });
  b.add({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa', namespace: 'ci', uid: 'u2' } });
  b.remove({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' });
  t.same(v1.metaOf({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }), { uid: 'u1', resourceVersion: '1' });
  t.equal(v1.metaOf({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'ci', name: 'sa' }), undefined);
  t.same(v1.originOf({ apiVersion: 'v1', kind: 'Namespace', name: 'ci' }), { apiVersion: 'v1', kind: 'Namespace', name: 'shop' }, 'the later mention of namespace ci is not in the older view (it falls back to the first object)');
  const v2 = b.build();
  t.equal(v2.metaOf({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }), undefined);
  t.same(v2.metaOf({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'ci', name: 'sa' }), { uid: 'u2' });
  t.same(v2.originOf({ apiVersion: 'v1', kind: 'Namespace', name: 'ci' }), { apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'ci', name: 'sa' });
});

t.test('a workload that came before its controller keeps no summary once the view is built (as if it came after)', async (t) => {
  const dep = deployment('web', 'shop', { app: 'web' }, {}, { uid: 'd1' });
  const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'shop', uid: 'r1', ownerReferences: [{ controller: true, uid: 'd1', kind: 'Deployment', apiVersion: 'apps/v1', name: 'web' }] }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1-a', namespace: 'shop', uid: 'p1', ownerReferences: [{ controller: true, uid: 'r1' }] }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
  const inOrder = new ClusterViewBuilder({ complete: 'all' });
  for (const o of [dep, rs, pod]) inOrder.add(o);
  const reversed = new ClusterViewBuilder({ complete: 'all' });
  for (const o of [pod, rs, dep]) reversed.add(o);
  t.same(reversed.sizes.workloads, 3, 'before the build: each kept, its controller not there yet when it came');
  const a = inOrder.build();
  const b = reversed.build();
  t.same(b.workloads().map((w) => `${w.kind}/${w.name}`), ['Deployment/web']);
  t.same(b.workloads(), a.workloads());
  t.same(reversed.sizes, inOrder.sizes, 'after the build: the same held as in order (one summary, the ReplicaSet only as controlled)');
  t.same(reversed.sizes.workloads, 1);
  t.equal(b.metaOf({ apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'shop', name: 'web-1' }), a.metaOf({ apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'shop', name: 'web-1' }));
  // The built view does not change with the builder: a later demotion copies the shared metadata first.
  const again = new ClusterViewBuilder({ complete: 'all' });
  again.add(rs);
  const before = again.build();
  t.ok(before.metaOf({ apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'shop', name: 'web-1' })?.uid === 'r1', 'alone, the ReplicaSet is a workload with its metadata');
  again.add(dep);
  again.build();
  t.equal(before.metaOf({ apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'shop', name: 'web-1' })?.uid, 'r1', 'the earlier view still has it');
});
