import t from 'tap';
import { evaluateContext, viewKinds, CLUSTER_OBJECT } from './context.js';
import { defineClusterPolicy, defineObjectPolicy, definePodPolicy } from './define.js';
import { DEFAULT_POLICY_CONFIG, resolveEngineConfig, type PolicyConfig } from './engine-config.js';
import { evaluate } from './engine.js';
import { inputFromObject } from './input.js';
import { buildRegistry, registerPolicy, type Registry } from './registry.js';
import type { ClusterPolicy, Policy, RegisteredPolicy } from './types.js';
import { ClusterViewBuilder } from './view/builder.js';
import { inspectedKinds, webhookRules } from './webhook-rules.js';

const meta = { title: 't', description: 'd', severity: 'medium' as const, category: 'network', controls: [], remediation: 'r', defaultAction: 'warn' as const };

/** One violation per namespace the view knows, about the Namespace. */
const perNamespace = defineClusterPolicy({
  ...meta,
  id: 'per-namespace',
  recommended: 'warn',
  viewKinds: ['Namespace', 'Pod'],
  check: (view) => view.namespaceNames().map((ns) => ({ object: view.namespaceId(ns), path: [], message: `ns ${ns}`, evidence: ['a', 5 as unknown as string, 'x'.repeat(400)] })),
});
const throwing = defineClusterPolicy({ ...meta, id: 'throws', viewKinds: ['Namespace'], check: () => { throw new Error('boom'); } });
const nameless = defineClusterPolicy({ ...meta, id: 'nameless', viewKinds: ['Namespace'], check: () => [{ object: { kind: 'Namespace' }, path: [], message: 'm' } as never] });
const pod = definePodPolicy({ ...meta, id: 'pod-rule', recommended: 'deny', check: () => [] });

function registry(policies: Policy[]): Registry {
  const registered: RegisteredPolicy[] = [];
  for (const policy of policies) {
    const r = registerPolicy({ policy, source: { origin: 'builtin', file: `${policy.id}.ts`, format: 'module' } });
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '));
    registered.push(r.value);
  }
  return buildRegistry(registered).registry;
}

function setup(policies: Policy[], pc: Partial<PolicyConfig> = {}) {
  const reg = registry(policies);
  const { config, problems } = resolveEngineConfig({ ...DEFAULT_POLICY_CONFIG, ...pc }, reg);
  if (!config) throw new Error(problems.map((p) => p.message).join('; '));
  return { reg, config };
}

const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'a', 'kube-posture.io/mode': 'audit' } } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: {} },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q', namespace: 'ops' }, spec: {} },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'r', namespace: 'kube-system' }, spec: {} },
];
const builder = new ClusterViewBuilder({ complete: 'all' });
for (const o of objects) builder.add(o);
const view = builder.build();

t.test('findings name their object, carry bounded evidence, group per object with the namespace mode', async (t) => {
  const { reg, config } = setup([perNamespace, pod]);
  const r = evaluateContext(view, reg, config);
  t.same(r.findings.map((f) => `${f.object.kind}/${f.object.name} ${f.action} ${f.path === '' ? '-' : f.path}`), ['Namespace/kube-system warn -', 'Namespace/ops warn -', 'Namespace/shop warn -']);
  t.same(r.findings[0]!.evidence?.length, 2, 'non-strings dropped');
  t.equal(r.findings[0]!.evidence?.[1]?.length, 300, 'long lines clipped');
  t.same(r.outcomes, [{ policyId: 'per-namespace', outcome: 'fail' }]);
  t.equal(r.objects.length, 3);
  t.equal(r.objects.find((o) => o.object.name === 'shop')?.mode, 'audit', 'the namespace label sets the mode of its own findings');
  t.equal(r.objects.find((o) => o.object.name === 'ops')?.mode, 'enforce');
});

t.test('profiles and settings: only enabled cluster policies run, at their action', async (t) => {
  t.equal(evaluateContext(view, ...args(setup([perNamespace], { profile: 'none' }))).findings.length, 0, 'not in the profile');
  const denied = evaluateContext(view, ...args(setup([perNamespace], { profile: 'none', policies: { 'per-namespace': { action: 'deny' } } })));
  t.same([...new Set(denied.findings.map((f) => f.action))], ['deny']);
  t.equal(evaluateContext(view, ...args(setup([perNamespace], { profile: 'recommended', policies: { 'per-namespace': { enabled: false } } }))).findings.length, 0);
});

function args(s: { reg: Registry; config: NonNullable<ReturnType<typeof resolveEngineConfig>['config']> }): [Registry, typeof s.config] {
  return [s.reg, s.config];
}

t.test('exemptions apply to the object a finding is about', async (t) => {
  const global = evaluateContext(view, ...args(setup([perNamespace], { exemptions: { namespaces: ['kube-system'], namespaceSelector: { matchLabels: { team: 'a' } } } })));
  t.same(global.findings.map((f) => f.object.name), ['ops'], 'global exemptions drop findings silently: the object is exempt');
  const own = evaluateContext(view, ...args(setup([perNamespace], { policies: { 'per-namespace': { exemptions: { namespaces: ['ops'], objectSelector: { matchLabels: { team: 'a' } } } } } })));
  t.same(own.findings.map((f) => f.object.name), ['kube-system']);
  t.same(own.objects.find((o) => o.object.name === 'ops')?.outcomes, [{ policyId: 'per-namespace', outcome: 'skip', reason: 'namespace ops' }], 'a policy exemption is reported on the object');
  t.same(own.objects.find((o) => o.object.name === 'shop')?.outcomes, [{ policyId: 'per-namespace', outcome: 'skip', reason: 'object selector' }], 'labels the view knows');
});

t.test('a throwing check or a nameless violation is an error finding, never a crash; the others still run', async (t) => {
  const { reg, config } = setup([throwing, nameless, perNamespace], { profile: 'all' });
  const r = evaluateContext(view, reg, config);
  const errors = r.findings.filter((f) => f.kind === 'error');
  t.same(errors.map((f) => `${f.policyId} ${f.object.kind} ${f.message}`), [
    'throws Cluster policy failed: boom',
    'nameless Cluster policy failed: a violation names no object (apiVersion, kind and name)',
  ]);
  t.same(errors[0]!.object, CLUSTER_OBJECT);
  t.equal(r.findings.filter((f) => f.policyId === 'per-namespace').length, 3);
  t.same(r.outcomes.find((o) => o.policyId === 'throws'), { policyId: 'throws', outcome: 'error' });
  const timeout = evaluateContext(view, reg, config, { runner: { run: () => ({ ok: false, reason: 'timeout', error: 'slow' }) } });
  t.ok(timeout.findings.every((f) => f.kind === 'error' && f.message === 'policy ran past its time budget'), 'the runner decides, as for per-object policies');
});

t.test('cluster policies stay out of admission: no webhook rules, no per-object runs; the live scan lists their kinds', async (t) => {
  const { reg, config } = setup([perNamespace, pod], { profile: 'recommended' });
  const only = setup([pod], { profile: 'recommended' });
  t.same(webhookRules(reg, config), webhookRules(only.reg, only.config));
  t.same(inspectedKinds(reg, config).map((k) => k.kind.kind), inspectedKinds(only.reg, only.config).map((k) => k.kind.kind));
  const result = evaluate(inputFromObject(objects[0]), reg, config);
  t.same(result.outcomes, [], 'evaluate never runs a cluster policy');
  t.same(viewKinds(reg, config).map((k) => k.kind), ['Pod', 'Namespace'], 'KNOWN_KINDS order');
  t.same(viewKinds(only.reg, only.config), []);
});

t.test('registration: cluster policies list known view kinds and nothing of admission', async (t) => {
  const problems = (p: Partial<ClusterPolicy> & Record<string, unknown>) => {
    const r = registerPolicy({ policy: { ...perNamespace, ...p }, source: { origin: 'user', file: 'x.ts', format: 'module' } });
    return r.ok ? [] : r.problems.map((x) => x.message);
  };
  t.same(problems({}), []);
  t.match(problems({ viewKinds: [] }), [/viewKinds/]);
  t.match(problems({ viewKinds: ['Secret'] }), [/viewKinds\[0\] names "Secret", which the cluster view does not hold/]);
  t.match(problems({ match: { kinds: ['Pod'] } }), [/list the kinds they read in viewKinds, not match/]);
  t.match(problems({ pss: { level: 'baseline', checkId: 'x' } }), [/cannot be a cluster policy/]);
  const podWithView = registerPolicy({ policy: { ...pod, viewKinds: ['Pod'] }, source: { origin: 'user', file: 'x.ts', format: 'module' } });
  t.match(podWithView.ok ? [] : podWithView.problems.map((x) => x.message), [/only cluster policies/]);
});

t.test('kube-posture.io/ignore on the object a finding is about: decided as evaluate decides it', async (t) => {
  const IGNORE = 'kube-posture.io/ignore';
  const REASON = 'kube-posture.io/ignore-reason';
  const ns = (name: string, annotations?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(annotations ? { annotations } : {}) } });
  const b = new ClusterViewBuilder({ complete: 'all' });
  b.add(ns('quiet', { [IGNORE]: 'per-namespace, other', [REASON]: 'lab\nonly; SEC-1' }));
  b.add(ns('bare', { [IGNORE]: 'per-namespace' }));
  b.add(ns('elsewhere', { [IGNORE]: 'other', [REASON]: 'r' }));
  b.add(ns('plain'));
  const annotatedView = b.build();
  const at = (r: ReturnType<typeof evaluateContext>, name: string) => r.objects.find((o) => o.object.name === name);

  const warn = evaluateContext(annotatedView, ...args(setup([perNamespace])));
  t.same(warn.findings.map((f) => f.object.name).sort(), ['bare', 'elsewhere', 'plain'], 'the honoured annotation drops the finding about its object only');
  t.same(at(warn, 'quiet')?.outcomes, [{ policyId: 'per-namespace', outcome: 'skip', reason: 'annotation kube-posture.io/ignore: lab only; SEC-1' }], 'reported as exempt, with the cleaned reason');
  t.same(at(warn, 'quiet')?.findings, []);
  t.same(at(warn, 'quiet')?.annotationNotes, ['exempt by annotation: [per-namespace] lab only; SEC-1'], 'noted as evaluate notes it');
  t.same(at(warn, 'bare')?.annotationNotes, ['[per-namespace] kube-posture.io/ignore not honoured: no kube-posture.io/ignore-reason annotation']);
  t.equal(at(warn, 'elsewhere')?.annotationNotes, undefined);
  t.equal(warn.findings.find((f) => f.object.name === 'bare')?.message, 'ns bare (kube-posture.io/ignore not honoured: no kube-posture.io/ignore-reason annotation)', 'no reason: not honoured, and the finding says so');
  t.equal(warn.findings.find((f) => f.object.name === 'elsewhere')?.message, 'ns elsewhere', 'an annotation naming other policies changes nothing');
  t.same(warn.outcomes, [{ policyId: 'per-namespace', outcome: 'fail' }]);

  const deny = evaluateContext(annotatedView, ...args(setup([perNamespace], { policies: { 'per-namespace': { action: 'deny' } } })));
  t.equal(deny.findings.find((f) => f.object.name === 'quiet')?.message, 'ns quiet (kube-posture.io/ignore not honoured for a deny-level policy (ignoreAnnotations.allow: warn-only))', 'a deny-level policy is not ignorable by default');
  const all = evaluateContext(annotatedView, ...args(setup([perNamespace], { policies: { 'per-namespace': { action: 'deny' } }, ignoreAnnotations: { allow: 'all' } })));
  t.notOk(all.findings.some((f) => f.object.name === 'quiet'), 'allow: all switches a deny-level policy off too');
  t.same(at(all, 'quiet')?.outcomes.map((o) => o.outcome), ['skip']);
  const none = evaluateContext(annotatedView, ...args(setup([perNamespace], { ignoreAnnotations: { allow: 'none' } })));
  t.match(none.findings.find((f) => f.object.name === 'quiet')?.message, /not honoured: the configuration allows none/);

  // Two findings about the same object, both switched off: one exemption; the policy found nothing else.
  const other = defineClusterPolicy({ ...meta, id: 'other', viewKinds: ['Namespace'], check: (v) => [{ object: v.namespaceId('quiet'), path: [], message: 'm' }, { object: v.namespaceId('quiet'), path: ['metadata'], message: 'n' }] });
  const single = evaluateContext(annotatedView, ...args(setup([other], { profile: 'all' })));
  t.same(single.findings, []);
  t.same(single.outcomes, [{ policyId: 'other', outcome: 'pass' }], 'every finding switched off: the policy passed what it judged, as with exemptions');
  t.same(at(single, 'quiet')?.outcomes, [{ policyId: 'other', outcome: 'skip', reason: 'annotation kube-posture.io/ignore: lab only; SEC-1' }], 'exempt once, not once per finding');
});

t.test('kube-posture.io/ignore: the cluster path and evaluate give the same verdict for every setting, action and reason', async (t) => {
  const objectRule = defineObjectPolicy({ ...meta, id: 'per-namespace', match: { kinds: ['Namespace'] }, check: () => [{ path: [], message: 'ns' }] });
  for (const allow of ['none', 'warn-only', 'all'] as const) {
    for (const action of ['deny', 'warn', 'audit'] as const) {
      for (const reason of [undefined, 'ticket 7']) {
        const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', annotations: { 'kube-posture.io/ignore': 'per-namespace', ...(reason !== undefined ? { 'kube-posture.io/ignore-reason': reason } : {}) } } };
        const pc: Partial<PolicyConfig> = { profile: 'none', policies: { 'per-namespace': { action } }, ignoreAnnotations: { allow } };
        const single = evaluate(inputFromObject(namespace), ...args(setup([objectRule], pc)));
        const b = new ClusterViewBuilder({ complete: 'all' });
        b.add(namespace);
        const cluster = evaluateContext(b.build(), ...args(setup([perNamespace], pc)));
        const n = cluster.objects.find((o) => o.object.name === 'n')!;
        const label = `allow ${allow}, ${action}, ${reason === undefined ? 'no reason' : 'a reason'}`;
        t.same(n.outcomes.filter((o) => o.outcome === 'skip'), single.outcomes.filter((o) => o.outcome === 'skip'), `${label}: the same exemption`);
        t.same(n.findings.map((f) => `${f.action} ${f.message.replace(/^ns n/, 'ns')}`), single.findings.map((f) => `${f.action} ${f.message}`), `${label}: the same findings and words`);
        t.same(n.annotationNotes, single.annotationNotes, `${label}: the same notes`);
      }
    }
  }
});

t.test('the view keeps what the ignore annotation asks, follows changes, and hands out copies', async (t) => {
  const b = new ClusterViewBuilder({ complete: 'all' });
  const id = { apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'a', name: 's' };
  b.add({ ...id, metadata: { name: 's', namespace: 'a', annotations: { 'kube-posture.io/ignore': 'x,y', 'kube-posture.io/ignore-reason': 'because', other: 'NOT-KEPT' } } });
  b.add({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 't', namespace: 'a', annotations: { 'kube-posture.io/ignore': 'x', 'kube-posture.io/ignore-reason': 'r' } } });
  const v1 = b.build();
  const got = v1.ignoreOf(id)!;
  t.same({ ids: [...got.ids], reason: got.reason }, { ids: ['x', 'y'], reason: 'because' });
  (got.ids as Set<string>).add('z');
  t.same([...v1.ignoreOf(id)!.ids], ['x', 'y'], 'a policy that changes the answer changes nothing for the next');
  t.equal(v1.ignoreOf({ apiVersion: 'v1', kind: 'Secret', namespace: 'a', name: 't' }), undefined, 'kinds the view does not hold keep nothing');
  b.add({ ...id, metadata: { name: 's', namespace: 'a' } });
  t.equal(b.build().ignoreOf(id), undefined, 'the annotation removed: nothing asked');
  t.same([...v1.ignoreOf(id)!.ids], ['x', 'y'], 'a built view does not change with the builder');
  b.add({ ...id, metadata: { name: 's', namespace: 'a', annotations: { 'kube-posture.io/ignore': 'x' } } });
  t.same(b.build().ignoreOf(id), { ids: new Set(['x']) });
  b.remove(id);
  t.equal(b.build().ignoreOf(id), undefined, 'removed with the object');
});
