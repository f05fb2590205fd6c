import t from 'tap';
import { evaluate } from './engine.js';
import { decide } from './decide.js';
import { inputFromObject } from './input.js';
import { testConfig, testRegistry } from '../../test/helpers/policies.js';
import { ignoreRequest } from './annotations.js';

const registry = testRegistry();
const podWith = (annotations: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team', annotations },
  spec: { containers: [{ name: 'app', image: 'nginx:latest', securityContext: { privileged: true } }] },
});
const both = { 'kube-posture.io/ignore': 't-latest-tag, t-privileged', 'kube-posture.io/ignore-reason': 'vendor image, ticket SEC-12' };
const run = (annotations: Record<string, string>, allow?: 'none' | 'warn-only' | 'all') => {
  const config = testConfig(registry, { profile: 'all', ...(allow ? { ignoreAnnotations: { allow } } : {}) });
  const result = evaluate(inputFromObject(podWith(annotations)), registry, config);
  return { result, decision: decide(result), ids: result.findings.map((f) => f.policyId) };
};

t.test('default (warn-only): a warn policy is exempt with the reason; a deny policy is not, and says so', async (t) => {
  const { result, decision, ids } = run(both);
  t.notOk(ids.includes('t-latest-tag'), 'the warn-level policy is not reported as a finding');
  t.same(result.outcomes.find((o) => o.policyId === 't-latest-tag'), { policyId: 't-latest-tag', outcome: 'skip', reason: 'annotation kube-posture.io/ignore: vendor image, ticket SEC-12' }, 'it is exempt, with the reason');
  const priv = result.findings.find((f) => f.policyId === 't-privileged');
  t.match(priv?.message, /\(kube-posture\.io\/ignore not honoured for a deny-level policy \(ignoreAnnotations\.allow: warn-only\)\)$/);
  t.equal(decision.allowed, false, 'the deny still denies');
  t.ok(decision.warnings.includes('exempt by annotation: [t-latest-tag] vendor image, ticket SEC-12'), 'the webhook warns what was exempted');
  t.ok(decision.warnings.some((w) => w.startsWith('[t-privileged] kube-posture.io/ignore not honoured')));
});

t.test('without a reason nothing is honoured, and that is reported', async (t) => {
  const { result, ids } = run({ 'kube-posture.io/ignore': 't-latest-tag' }, 'all');
  t.ok(ids.includes('t-latest-tag'));
  t.match(result.findings.find((f) => f.policyId === 't-latest-tag')?.message, /kube-posture\.io\/ignore not honoured: no kube-posture\.io\/ignore-reason annotation/);
  t.notOk(result.outcomes.some((o) => o.outcome === 'skip'));
  t.equal(ignoreRequest(podWith({ 'kube-posture.io/ignore': 'x', 'kube-posture.io/ignore-reason': '  ' }))?.reason, undefined, 'a blank reason is no reason');
});

t.test('allow: all exempts deny-level policies too; allow: none honours nothing', async (t) => {
  const all = run(both, 'all');
  t.same(all.ids.filter((id) => id === 't-privileged' || id === 't-latest-tag'), []);
  t.notOk(all.decision.denied.some((f) => f.policyId === 't-privileged'), 'the privileged container no longer denies');
  t.same(all.result.outcomes.filter((o) => o.outcome === 'skip').map((o) => o.policyId).sort(), ['t-latest-tag', 't-privileged']);
  const none = run(both, 'none');
  t.ok(none.ids.includes('t-privileged') && none.ids.includes('t-latest-tag'));
  t.match(none.result.findings.find((f) => f.policyId === 't-latest-tag')?.message, /not honoured: the configuration allows none/);
  t.equal(none.decision.allowed, false);
});

t.test('other policies and objects without the annotation are untouched; reasons are one bounded line', async (t) => {
  const plain = run({});
  t.ok(plain.ids.includes('t-latest-tag') && plain.ids.includes('t-privileged'));
  t.notOk(plain.result.annotationNotes);
  const r = ignoreRequest(podWith({ 'kube-posture.io/ignore': 'a', 'kube-posture.io/ignore-reason': `line one\nline two ${'x'.repeat(500)}` }));
  t.equal(r?.reason?.length, 200);
  t.notMatch(r?.reason ?? '', /\n/);
});
