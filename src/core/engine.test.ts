import t from 'tap';
import { evaluate } from './engine.js';
import { decide } from './decide.js';
import { inputFromObject } from './input.js';
import type { EvaluationInput } from './types.js';
import { ALL_TEST_POLICIES, deployment, pod, privileged, testConfig, testRegistry } from '../../test/helpers/policies.js';
import { defineObjectPolicy } from './define.js';
import { entriesForKind, planFor, stepsFor } from './plan.js';

const registry = testRegistry();
const config = testConfig(registry, { profile: 'all' });
const privSpec = { containers: [{ name: 'app', image: 'nginx:1.27', securityContext: { privileged: true } }] };

const templated: [string, string, Record<string, unknown>, string][] = [
  ['v1', 'Pod', { spec: privSpec }, 'spec'],
  ['v1', 'PodTemplate', { template: { spec: privSpec } }, 'template.spec'],
  ['v1', 'ReplicationController', { spec: { template: { spec: privSpec } } }, 'spec.template.spec'],
  ['apps/v1', 'ReplicaSet', { spec: { template: { spec: privSpec } } }, 'spec.template.spec'],
  ['apps/v1', 'Deployment', { spec: { template: { spec: privSpec } } }, 'spec.template.spec'],
  ['apps/v1', 'StatefulSet', { spec: { template: { spec: privSpec } } }, 'spec.template.spec'],
  ['apps/v1', 'DaemonSet', { spec: { template: { spec: privSpec } } }, 'spec.template.spec'],
  ['batch/v1', 'Job', { spec: { template: { spec: privSpec } } }, 'spec.template.spec'],
  ['batch/v1', 'CronJob', { spec: { jobTemplate: { spec: { template: { spec: privSpec } } } } }, 'spec.jobTemplate.spec.template.spec'],
];

t.test('pod rules apply to every pod-bearing kind with paths into the real object', async (t) => {
  for (const [apiVersion, kind, body, prefix] of templated) {
    const object = { apiVersion, kind, metadata: { name: 'x', namespace: 'team' }, ...body };
    const findings = evaluate(inputFromObject(object), registry, config).findings.filter((f) => f.policyId === 't-privileged');
    t.equal(findings.length, 1, `${kind}: one finding`);
    t.equal(findings[0]?.path, `${prefix}.containers[0].securityContext.privileged`, `${kind}: path`);
    t.equal(findings[0]?.action, 'deny');
    t.equal(findings[0]?.value, true);
  }
});

t.test('init and ephemeral containers are visited', async (t) => {
  const object = pod({
    initContainers: [{ name: 'init', securityContext: { privileged: true } }],
    containers: [{ name: 'app' }],
    ephemeralContainers: [{ name: 'debug', securityContext: { privileged: true } }],
  });
  const paths = evaluate(inputFromObject(object), registry, config).findings.filter((f) => f.policyId === 't-privileged').map((f) => f.path);
  t.same(paths, ['spec.initContainers[0].securityContext.privileged', 'spec.ephemeralContainers[0].securityContext.privileged']);
});

t.test('UPDATE that leaves the pod spec unchanged is not denied for pre-existing violations', async (t) => {
  const old = deployment(privSpec);
  const scaled = structuredClone(old) as { spec: { replicas: number }; metadata: { labels?: Record<string, string> } };
  scaled.spec.replicas = 5;
  scaled.metadata.labels = { team: 'a' };
  const r1 = evaluate(inputFromObject(scaled, { operation: 'UPDATE', oldObject: old }), registry, config);
  t.equal(r1.findings.filter((f) => f.category === 'test' && f.policyId === 't-privileged').length, 0, 'scaling and relabelling is allowed');
  t.equal(decide(r1).allowed, true);

  const changed = structuredClone(old) as { spec: { template: { spec: { containers: { image: string }[] } } } };
  changed.spec.template.spec.containers[0]!.image = 'nginx:1.28';
  const r2 = evaluate(inputFromObject(changed, { operation: 'UPDATE', oldObject: old }), registry, config);
  t.equal(decide(r2).allowed, false, 'a template change is evaluated in full');

  const fixed = deployment({ containers: [{ name: 'app' }] });
  const r3 = evaluate(inputFromObject(fixed, { operation: 'UPDATE', oldObject: old }), registry, config);
  t.equal(r3.findings.filter((f) => f.policyId === 't-privileged').length, 0, 'fixing the violation is allowed');
});

t.test('UPDATE of a Pod is judged again only for the changes Pod Security Admission re-checks', async (t) => {
  const old = pod({ ...privSpec, initContainers: [{ name: 'init', image: 'busybox:1.36' }], ephemeralContainers: [{ name: 'dbg', image: 'busybox:1.36' }], schedulingGates: [{ name: 'example.com/queue' }] });
  const judged = (mutate: (spec: Record<string, any>, meta: Record<string, any>) => void): boolean => {
    const next = structuredClone(old) as { spec: Record<string, any>; metadata: Record<string, any> };
    mutate(next.spec, next.metadata);
    const r = evaluate(inputFromObject(next, { operation: 'UPDATE', oldObject: old }), registry, config);
    return r.findings.some((f) => f.policyId === 't-privileged');
  };
  // The mutable parts of a pod spec that do not touch what runs: not judged again (isSignificantPodUpdate).
  t.equal(judged((s) => (s.activeDeadlineSeconds = 60)), false, 'activeDeadlineSeconds');
  t.equal(judged((s) => (s.tolerations = [{ key: 'k', operator: 'Exists' }])), false, 'an added toleration');
  t.equal(judged((s) => delete s.schedulingGates), false, 'a removed scheduling gate');
  t.equal(judged((_s, m) => (m.labels = { a: 'b' })), false, 'labels');
  // What Pod Security Admission does re-check.
  t.equal(judged((s) => (s.containers[0].image = 'nginx:1.28')), true, 'a container image');
  t.equal(judged((s) => (s.initContainers[0].image = 'busybox:1.37')), true, 'an init container image');
  t.equal(judged((s) => s.containers.push({ name: 'two', image: 'nginx:1.27' })), true, 'a container more');
  t.equal(judged((s) => s.ephemeralContainers.push({ name: 'dbg2', image: 'busybox:1.36' })), true, 'an added ephemeral container');
  t.equal(judged((s) => (s.ephemeralContainers[0].image = 'busybox:1.37')), true, 'an ephemeral container image');
  t.equal(judged((_s, m) => (m.annotations = { 'container.seccomp.security.alpha.kubernetes.io/app': 'unconfined' })), true, 'a seccomp annotation');
  // A workload template is judged again on any change of its spec.
  const d = deployment(privSpec) as { spec: { template: { spec: Record<string, unknown> } } };
  const d2 = structuredClone(d);
  d2.spec.template.spec.activeDeadlineSeconds = 60;
  const r = evaluate(inputFromObject(d2, { operation: 'UPDATE', oldObject: d }), registry, config);
  t.ok(r.findings.some((f) => f.policyId === 't-privileged'), 'a Deployment template change is judged');
});

t.test('DELETE is never denied by pod rules', async (t) => {
  const input: EvaluationInput = { ...inputFromObject(null), operation: 'DELETE', oldObject: pod(privSpec), kind: { group: '', kind: 'Pod' }, namespace: 'team' };
  const r = evaluate(input, registry, config);
  t.same(r.findings, []);
  t.equal(decide(r).allowed, true);
});

t.test('object policies match their kinds only, with parameters', async (t) => {
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', '*'] }] };
  const r = evaluate(inputFromObject(role), registry, config);
  t.same(r.findings.map((f) => [f.policyId, f.path, f.value]), [['t-wildcard-verbs', 'rules[0].verbs[1]', '*']]);
  const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, rules: [{ verbs: ['*'] }] };
  t.same(evaluate(inputFromObject(binding), registry, config).findings, [], 'other kinds are not matched');
  const allowing = testConfig(registry, { profile: 'all', policies: { 't-wildcard-verbs': { parameters: { allowedVerbs: ['*'] } } } });
  t.same(evaluate(inputFromObject(role), registry, allowing).findings, [], 'parameters change the result');
});

t.test('odd input never throws', async (t) => {
  const odd: unknown[] = [
    null, 42, 'text', [], {}, { kind: 'Pod' }, { apiVersion: 'v1', kind: 'Pod', spec: 5 },
    { apiVersion: 'v1', kind: 'Pod', spec: { containers: 'nope', initContainers: [null, 3, 'x', { securityContext: 'bad' }] } },
    { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ securityContext: { privileged: 'true' } }], securityContext: null } },
    { apiVersion: 'apps/v1', kind: 'Deployment', spec: { template: null } },
    { apiVersion: 'batch/v1', kind: 'CronJob', spec: { jobTemplate: { spec: [] } } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', rules: 'all' },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', rules: [null, { verbs: null }, { verbs: [1, null, '*'] }] },
    { apiVersion: 'example.com/v1', kind: 'Unknown', spec: { containers: [{ securityContext: { privileged: true } }] } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { annotations: 7, labels: [] }, spec: { containers: Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}`, securityContext: { privileged: i % 2 === 0 } })) } },
  ];
  for (const object of odd) {
    for (const operation of ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const) {
      const result = evaluate(inputFromObject(object, { operation, oldObject: object }), registry, config);
      t.ok(result.findings.every((f) => f.kind === 'violation'), `no policy errors for ${JSON.stringify(object)?.slice(0, 60)} ${operation}`);
      decide(result);
    }
  }
  const big = evaluate(inputFromObject(odd[odd.length - 1]), registry, config);
  t.equal(big.findings.filter((f) => f.policyId === 't-privileged').length, 2500, 'a huge container list is evaluated in full');
  const message = decide(big).message ?? '';
  t.match(message, /; and \d+ more$/, 'the deny message lists a bounded number of findings');
  t.ok(message.length < 6000, `the deny message stays bounded (${message.length} chars)`);
});

t.test('sub-resources: status updates pass, ephemeral containers are checked', async (t) => {
  const object = pod(privSpec);
  const status = evaluate({ ...inputFromObject(object, { operation: 'UPDATE', oldObject: pod({ containers: [] }) }), subResource: 'status' }, registry, config);
  t.same(status.findings, [], 'status sub-resource is let through');
  const old = pod({ containers: [{ name: 'app' }] });
  const eph = pod({ containers: [{ name: 'app' }], ephemeralContainers: [{ name: 'dbg', securityContext: { privileged: true } }] });
  const r = evaluate({ ...inputFromObject(eph, { operation: 'UPDATE', oldObject: old }), subResource: 'ephemeralcontainers' }, registry, config);
  t.same(r.findings.filter((f) => f.policyId === 't-privileged').map((f) => f.path), ['spec.ephemeralContainers[0].securityContext.privileged']);
});

t.test('exemptions', async (t) => {
  const object = pod(privSpec);
  const cases: [Record<string, unknown>, Partial<EvaluationInput>][] = [
    [{ namespaces: ['team'] }, {}],
    [{ usernames: ['alice'] }, { userInfo: { username: 'alice' } }],
    [{ groups: ['ops'] }, { userInfo: { username: 'bob', groups: ['dev', 'ops'] } }],
    [{ serviceAccounts: ['ci:deployer'] }, { userInfo: { username: 'system:serviceaccount:ci:deployer' } }],
    [{ serviceAccounts: ['system:serviceaccount:ci:deployer'] }, { userInfo: { username: 'system:serviceaccount:ci:deployer' } }],
    [{ runtimeClasses: ['kata'] }, { object: pod({ ...privSpec, runtimeClassName: 'kata' }) }],
    [{ namespaceSelector: { matchLabels: { tier: 'infra' } } }, { namespaceLabels: { tier: 'infra' } }],
    [{ objectSelector: { matchExpressions: [{ key: 'legacy', operator: 'Exists' }] } }, { object: { ...object, metadata: { name: 'p', namespace: 'team', labels: { legacy: 'yes' } } } }],
  ];
  for (const [exemptions, extra] of cases) {
    const cfg = testConfig(registry, { profile: 'all', exemptions });
    const exempt = evaluate({ ...inputFromObject(object), ...extra }, registry, cfg);
    t.ok(exempt.exemptBy, `exempt by ${JSON.stringify(exemptions)}: ${exempt.exemptBy}`);
    t.equal(decide(exempt).allowed, true);
    const notExempt = evaluate(inputFromObject(object, { namespace: 'other', userInfo: { username: 'mallory', groups: ['dev'] } }), registry, cfg);
    t.equal(decide(notExempt).allowed, false, `others are still denied (${JSON.stringify(exemptions)})`);
  }
  const empty = testConfig(registry, { profile: 'all', exemptions: { namespaceSelector: { matchLabels: {} }, objectSelector: { matchExpressions: [] } } });
  t.equal(evaluate(inputFromObject(object, { namespaceLabels: {} }), registry, empty).exemptBy, undefined, 'an empty selector exempts nothing');
  const perPolicy = testConfig(registry, { profile: 'all', policies: { 't-privileged': { exemptions: { namespaces: ['team'] } } } });
  const r = evaluate(inputFromObject(pod({ ...privSpec, hostNetwork: true })), registry, perPolicy);
  const ids = new Set(r.findings.map((f) => f.policyId));
  t.notOk(ids.has('t-privileged'), 'per-policy exemptions skip that policy');
  t.ok(ids.has('t-host-ns'), 'and only that policy');
  t.ok(r.outcomes.some((o) => o.policyId === 't-privileged' && o.outcome === 'skip'));
});

t.test('namespace labels choose Pod Security Standards level, version and mode', async (t) => {
  const cfg = testConfig(registry, { profile: 'pss-baseline' });
  const p = pod({ containers: [{ name: 'app' }] });
  const base = evaluate(inputFromObject(p), registry, cfg);
  t.equal(decide(base).allowed, true, 'baseline admits a pod without runAsNonRoot');
  const restricted = evaluate(inputFromObject(p, { namespaceLabels: { 'kube-posture.io/enforce': 'restricted' } }), registry, cfg);
  t.equal(decide(restricted).allowed, false, 'a namespace labelled restricted denies it');
  t.match(decide(restricted).message, /t-run-as-non-root/);

  const warnOnly = evaluate(inputFromObject(p, { namespaceLabels: { 'kube-posture.io/warn': 'restricted' } }), registry, cfg);
  t.equal(decide(warnOnly).allowed, true);
  t.match(decide(warnOnly).warnings, [/t-run-as-non-root/]);

  const hostPid = pod({ containers: [{ name: 'app' }], hostPID: true });
  t.equal(decide(evaluate(inputFromObject(hostPid), registry, cfg)).allowed, false, 'latest flags hostPID');
  const pinned = evaluate(inputFromObject(hostPid, { namespaceLabels: { 'kube-posture.io/enforce': 'baseline', 'kube-posture.io/enforce-version': 'v1.21' } }), registry, cfg);
  t.equal(decide(pinned).allowed, true, 'a namespace pinned to v1.21 evaluates the rule as it stood then');

  const privilegedNs = evaluate(inputFromObject(pod(privSpec), { namespaceLabels: { 'kube-posture.io/enforce': 'privileged' } }), registry, cfg);
  t.equal(decide(privilegedNs).allowed, true, 'privileged level enforces nothing');

  const invalid = evaluate(inputFromObject(p, { namespaceLabels: { 'kube-posture.io/enforce': 'strict' } }), registry, cfg);
  t.equal(decide(invalid).allowed, false, 'an invalid level is treated as restricted, like PSA');
  t.match(decide(invalid).warnings.join(' '), /invalid enforce level/);

  const audit = evaluate(inputFromObject(pod(privSpec), { namespaceLabels: { 'kube-posture.io/mode': 'audit' } }), registry, cfg);
  t.equal(audit.mode, 'audit');
  t.equal(decide(audit).allowed, true, 'a namespace in audit mode never denies');

  const psaLabels = testConfig(registry, { profile: 'pss-baseline', namespaceLabels: { prefix: 'kube-posture.io', podSecurityLabels: true } });
  const viaPsa = evaluate(inputFromObject(p, { namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' } }), registry, psaLabels);
  t.equal(decide(viaPsa).allowed, false, "Kubernetes' own labels are honoured when configured");
  const ignored = evaluate(inputFromObject(p, { namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' } }), registry, cfg);
  t.equal(decide(ignored).allowed, true, "and ignored when not");
});

t.test('a restricted check supersedes the baseline one from its version on', async (t) => {
  const cfg = (version: string) => testConfig(registry, { profile: 'pss-restricted', podSecurity: { version } });
  const unconfined = pod({ containers: [{ name: 'a' }], securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } } });
  const at = (v: string) => evaluate(inputFromObject(unconfined), registry, cfg(v)).findings.map((f) => f.policyId).sort();
  t.same(at('v1.18'), ['t-seccomp-baseline'], 'before v1.19 the baseline check reports');
  t.same(at('v1.19'), ['t-seccomp-restricted'], 'from v1.19 only the restricted check reports');
});

t.test('a throwing policy yields an error finding for that policy alone', async (t) => {
  const throwing = defineObjectPolicy({
    id: 't-throws', title: 'Throws', description: 'd', severity: 'low', category: 'test', controls: [], remediation: 'r', defaultAction: 'deny',
    match: { kinds: ['ClusterRole.rbac.authorization.k8s.io'] },
    check() { throw new TypeError('cannot read properties of undefined'); },
  });
  const reg = testRegistry([...ALL_TEST_POLICIES, throwing]);
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ verbs: ['*'] }] };
  const closed = evaluate(inputFromObject(role), reg, testConfig(reg, { profile: 'all' }));
  t.same(closed.findings.map((f) => [f.policyId, f.kind, f.action]).sort(), [['t-throws', 'error', 'deny'], ['t-wildcard-verbs', 'violation', 'deny']]);
  t.ok(closed.outcomes.some((o) => o.policyId === 't-throws' && o.outcome === 'error'));
  t.match(closed.findings.find((f) => f.kind === 'error')?.message, /cannot read properties of undefined/);
  const open = evaluate(inputFromObject(role), reg, testConfig(reg, { profile: 'all', policies: { 't-throws': { onError: 'open' } } }));
  const err = open.findings.find((f) => f.kind === 'error');
  t.equal(err?.action, 'warn', 'fail open turns the error into a warning');
  const d = decide({ ...open, findings: open.findings.filter((f) => f.kind === 'error') });
  t.equal(d.allowed, true);
  t.match(d.warnings, [/t-throws.*policy failed/]);
});

t.test('privileged test policy is registered once', async (t) => {
  t.equal(registry.policies.get('t-privileged')?.policy, privileged);
});

t.test('re-evaluating a mutated object sees the mutation (container visit cache is validated)', async (t) => {
  const object = pod({ containers: [{ name: 'app' }] }) as { spec: { containers: Record<string, unknown>[] } };
  t.equal(evaluate(inputFromObject(object), registry, config).findings.filter((f) => f.policyId === 't-privileged').length, 0);
  object.spec.containers.push({ name: 'late', securityContext: { privileged: true } });
  t.equal(evaluate(inputFromObject(object), registry, config).findings.filter((f) => f.policyId === 't-privileged').length, 1, 'an added container is visited');
  object.spec.containers[1] = { name: 'replaced' };
  t.equal(evaluate(inputFromObject(object), registry, config).findings.filter((f) => f.policyId === 't-privileged').length, 0, 'a replaced container is visited');
  (object.spec.containers[0] as { securityContext?: unknown }).securityContext = { privileged: true };
  t.equal(evaluate(inputFromObject(object), registry, config).findings.filter((f) => f.policyId === 't-privileged').length, 1, 'a field change is seen');
});

t.test('the compiled steps: per kind and operation, once per plan, in plan order', async (t) => {
  const onDelete = defineObjectPolicy({
    id: 't-on-delete', title: 'On delete', description: 'd', severity: 'low', category: 'test', controls: [], remediation: 'r', defaultAction: 'warn',
    match: { kinds: ['ClusterRole.rbac.authorization.k8s.io'], operations: ['DELETE'] },
    check: () => [{ path: ['metadata', 'name'], message: 'deleted' }],
  });
  const reg = testRegistry([...ALL_TEST_POLICIES, onDelete]);
  const cfg = testConfig(reg, { profile: 'all' });
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ verbs: ['get'] }] };
  const create = evaluate(inputFromObject(role), reg, cfg);
  t.notOk(create.outcomes.some((o) => o.policyId === 't-on-delete'), 'a DELETE-only policy does not run on CREATE');
  const del = evaluate({ ...inputFromObject(role), operation: 'DELETE', object: null, oldObject: role }, reg, cfg);
  t.same(del.findings.map((f) => [f.policyId, f.path]), [['t-on-delete', 'metadata.name']], 'it runs on DELETE, on the old object');
  const again = evaluate(inputFromObject(role), reg, cfg);
  t.same(again.outcomes, create.outcomes, 'the same operation after another gives the same outcomes');
  const plan = planFor(cfg, reg, undefined);
  const gk = { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' };
  t.equal(stepsFor(plan, gk, 'CREATE'), stepsFor(plan, gk, 'CREATE'), 'compiled once per plan, kind and operation');
  t.same(stepsFor(plan, gk, 'DELETE').map((s) => s.policy.id), ['t-on-delete']);
  t.same(stepsFor(plan, gk, 'CREATE').map((s) => s.policy.id), entriesForKind(plan, gk).filter((e) => e.policy.registered.operations.includes('CREATE')).map((e) => e.policy.id), 'plan order');
});
