/**
 * The compliance formulas on hand-computed cases (docs/compliance.md walks through the first one).
 */
import t from 'tap';
import type { Registry } from '../core/registry.js';
import type { Finding, RegisteredPolicy, Severity } from '../core/types.js';
import type { ClusterRef, ObjectResult } from '../results/model.js';
import { scoreCompliance } from './score.js';

function policy(id: string, target: 'pod' | 'object', severity: Severity, controls: string[], kinds: { group: string; kind: string }[] = []): RegisteredPolicy {
  return {
    policy: { id, title: id, description: '', severity, category: 'c', controls, remediation: `fix ${id}`, defaultAction: 'deny', target, ...(target === 'object' ? { match: { kinds: [] } } : {}), check: () => [] } as unknown as RegisteredPolicy['policy'],
    source: { origin: 'builtin', file: id, format: 'module' },
    kinds,
    viewKinds: [],
    operations: ['CREATE', 'UPDATE'],
    subResources: [],
  };
}
const POLICIES = [
  policy('priv', 'pod', 'high', ['pss:baseline/privileged', 'nsa:pod-security']),
  policy('hostns', 'pod', 'critical', ['pss:baseline/hostNamespaces', 'nsa:pod-security']),
  policy('nonroot', 'pod', 'medium', ['pss:restricted/runAsNonRoot', 'nsa:pod-security']),
  policy('wildcard', 'object', 'medium', ['cis-k8s:5.1.3'], [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }]),
  policy('disabled', 'pod', 'low', ['cis-k8s:5.7.4']),
];
const registry: Pick<Registry, 'policies'> = { policies: new Map(POLICIES.map((p) => [p.policy.id, p])) };
const enabled = new Set(['priv', 'hostns', 'nonroot', 'wildcard']);

const ref = (kind: string, apiVersion: string, name: string): ClusterRef => ({ apiVersion, kind, name, namespace: 'a', uid: name, resourceVersion: '1' });
const finding = (policyId: string, kind: Finding['kind'] = 'violation'): Finding => ({ kind, policyId, title: policyId, severity: 'high', category: 'c', action: 'deny', message: `${policyId} failed`, path: 'spec.x', remediation: `fix ${policyId}`, controls: [] });
const obj = (r: ClusterRef, over: Partial<ObjectResult>): ObjectResult => ({ ref: r, status: 'evaluated', policyExemptions: [], findings: [], passed: [], verdict: { allowed: true, outcome: 'allowed', mode: 'enforce' }, ...over });

// Four pods, one Deployment, one ClusterRole, one Service (no policy inspects it).
const OBJECTS: ObjectResult[] = [
  obj(ref('Pod', 'v1', 'p1'), { passed: ['priv', 'hostns', 'nonroot'] }),
  obj(ref('Pod', 'v1', 'p2'), { findings: [finding('priv'), finding('nonroot')], passed: ['hostns'] }),
  obj(ref('Pod', 'v1', 'p3'), { findings: [finding('nonroot', 'error')], passed: ['priv'], policyExemptions: [{ policyId: 'hostns', reason: 'namespace a' }] }),
  obj(ref('Pod', 'v1', 'p4'), { status: 'exempt', exemptBy: 'namespace kube-system', passed: [] }),
  obj(ref('Deployment', 'apps/v1', 'd1'), { findings: [finding('hostns')], passed: ['priv', 'nonroot'] }),
  obj(ref('ClusterRole', 'rbac.authorization.k8s.io/v1', 'c1'), { findings: [finding('wildcard')] }),
  obj(ref('Service', 'v1', 's1'), {}),
];

t.test('per control: evaluated, passed, failed, exempt, failing resources', async (t) => {
  const summary = scoreCompliance({ objects: OBJECTS }, registry, enabled);
  const control = (id: string) => summary.frameworks.flatMap((f) => f.controls).find((c) => c.id === id)!;
  // privileged: p1 pass, p2 fail, p3 pass, p4 exempt (globally), d1 pass.
  t.match(control('pss:baseline/privileged'), { status: 'judged', severity: 'high', evaluated: 4, passed: 3, failed: 1, exempt: 1, score: 0.75 });
  t.same(control('pss:baseline/privileged').failing.map((f) => [f.ref.name, f.policyId, f.path, f.remediation]), [['p2', 'priv', 'spec.x', 'fix priv']]);
  // hostNamespaces: p1 pass, p2 pass, p3 exempt (policy exemption), p4 exempt, d1 fail.
  t.match(control('pss:baseline/hostNamespaces'), { evaluated: 3, passed: 2, failed: 1, exempt: 2 });
  // runAsNonRoot: p1 pass, p2 fail, p3 fail (a policy error never passes), p4 exempt, d1 pass.
  t.match(control('pss:restricted/runAsNonRoot'), { evaluated: 4, passed: 2, failed: 2, exempt: 1, score: 0.5 });
  t.match(control('cis-k8s:5.1.3'), { evaluated: 1, passed: 0, failed: 1, score: 0 });
  t.match(control('cis-k8s:5.7.4'), { status: 'not-covered', evaluated: 0 }, 'a disabled policy does not judge its control');
  t.notOk('score' in control('cis-k8s:5.7.4'), 'an uncovered control has no score, and is never counted as passed');
  // nsa:pod-security is covered by priv, hostns and nonroot: any failing one fails the resource.
  t.match(control('nsa:pod-security'), { evaluated: 4, passed: 1, failed: 3, exempt: 1 });
});

t.test('per framework: mean control score and severity-weighted risk, over the controls that applied', async (t) => {
  const fw = Object.fromEntries(scoreCompliance({ objects: OBJECTS }, registry, enabled).frameworks.map((f) => [f.id, f]));
  // baseline: privileged 3/4 = 0.75, hostNamespaces 2/3; mean 0.7083 -> 70.8 %.
  // risk: (7 × 1/4 + 10 × 1/3) / (7 + 10) = (1.75 + 3.3333) / 17 = 0.2990 -> 29.9 %.
  t.match(fw['pss-baseline'], { applied: 2, compliance: 70.8, risk: 29.9 });
  // restricted adds runAsNonRoot 2/4: mean (0.75 + 0.6667 + 0.5) / 3 = 0.6389 -> 63.9 %.
  // risk: (1.75 + 3.3333 + 4 × 0.5) / (7 + 10 + 4) = 7.0833 / 21 = 0.3373 -> 33.7 %.
  t.match(fw['pss-restricted'], { applied: 3, compliance: 63.9, risk: 33.7 });
  // CIS: only 5.1.3 applied (0/1): 0 % compliant, 100 % risk; the uncovered controls do not count.
  t.match(fw['cis-k8s'], { applied: 1, compliance: 0, risk: 100 });
  // NSA pod-security 1/4; the other NSA sections cover nothing here.
  t.match(fw['nsa'], { applied: 1, compliance: 25, risk: 75 });
});

t.test('a framework where nothing applies has no score, not 100 %', async (t) => {
  const fw = scoreCompliance({ objects: [obj(ref('Service', 'v1', 's'), {})] }, registry, enabled).frameworks;
  for (const f of fw) {
    t.equal(f.applied, 0, `${f.id}: no control applied`);
    t.equal(f.compliance, undefined);
    t.equal(f.risk, undefined);
  }
  const mitre = scoreCompliance({ objects: OBJECTS }, registry, enabled).frameworks.find((f) => f.id === 'mitre')!;
  t.equal(mitre.compliance, undefined, 'no enabled policy maps to MITRE here');
  t.ok(mitre.controls.every((c) => c.status === 'not-covered'));
});

t.test('failing: false gives the same counts and scores without the failing lists', async (t) => {
  const full = scoreCompliance({ objects: OBJECTS }, registry, enabled);
  const lean = scoreCompliance({ objects: OBJECTS }, registry, enabled, { failing: false });
  const strip = (s: typeof full) => s.frameworks.map((f) => ({ ...f, controls: f.controls.map(({ failing: _f, ...c }) => c) }));
  t.same(strip(lean), strip(full));
  t.ok(full.frameworks.some((f) => f.controls.some((c) => c.failing.length > 0)), 'the full summary lists failing resources');
  t.notOk(lean.frameworks.some((f) => f.controls.some((c) => c.failing.length > 0)), 'the lean one none');
});
