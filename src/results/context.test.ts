import t from 'tap';
import type { ContextFinding, ContextObjectResult } from '../core/context.js';
import { decide } from '../core/decide.js';
import type { EngineResult } from '../core/engine.js';
import { objectKey } from '../core/view/ids.js';
import type { ObjectId } from '../core/view/types.js';
import { objectResult } from './build.js';
import { placeContext, withContext } from './context.js';
import type { FileRef, ObjectResult } from './model.js';

const web: ObjectId = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const alice: ObjectId = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'User', name: 'alice' };
const finding = (object: ObjectId, over: Partial<ContextFinding> = {}): ContextFinding => ({
  kind: 'violation', policyId: 'ctx', title: 't', severity: 'high', category: 'c', action: 'warn', message: 'm', path: '', remediation: 'r', controls: [], object, evidence: ['a -> b'], ...over,
});
const ctx = (object: ObjectId, findings: ContextFinding[], over: Partial<ContextObjectResult> = {}): ContextObjectResult => ({ object, findings, outcomes: [], mode: 'enforce', notes: [], ...over });
const ref: FileRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', file: 'app.yaml', line: 3 };
const result = (over: Partial<EngineResult> = {}): ObjectResult => {
  const r: EngineResult = { findings: [], outcomes: [], mode: 'audit', notes: [], ...over };
  return objectResult(ref, r, decide(r));
};

t.test('withContext adds the findings (without their identity) and decides again in the object\'s mode', async (t) => {
  const merged = withContext(result(), ctx(web, [finding(web, { action: 'deny', path: 'spec.x' })], { outcomes: [{ policyId: 'other', outcome: 'skip', reason: 'namespace shop' }] }), (p) => (p === 'spec.x' ? 9 : undefined));
  t.same(merged.findings.map((f) => [f.policyId, f.line, f.evidence, 'object' in f]), [['ctx', 9, ['a -> b'], false]]);
  t.same(merged.verdict, { allowed: true, outcome: 'would_deny', mode: 'audit' }, 'the mode of the object\'s own evaluation');
  t.same(merged.policyExemptions, [{ policyId: 'other', reason: 'namespace shop' }]);
  const exempt = result({ exemptBy: 'namespace shop' });
  t.equal(withContext(exempt, ctx(web, [finding(web)])), exempt, 'an exempt object stays exempt');
});

t.test('placeContext merges by identity and appends results for identities the report lacks', async (t) => {
  const results = [result()];
  placeContext(results, { findings: [], outcomes: [], objects: [ctx(web, [finding(web)]), ctx(alice, [finding(alice)]), ctx({ ...alice, name: 'bob' }, [], { outcomes: [{ policyId: 'ctx', outcome: 'skip', reason: 'x' }] })] }, {
    keyOf: (r) => objectKey({ apiVersion: r.ref.apiVersion, kind: r.ref.kind, name: r.ref.name, ...(r.ref.namespace ? { namespace: r.ref.namespace } : {}) }),
    refFor: (id) => ({ ref: { ...id, file: 'rbac.yaml', line: 12 }, lineOf: () => 12 }),
  });
  t.same(results.map((r) => `${r.ref.kind}/${r.ref.name} ${r.findings.length}`), ['Deployment/web 1', 'User/alice 1'], 'a skip alone makes no result');
  t.match(results[1], { ref: { file: 'rbac.yaml', line: 12 }, status: 'evaluated', findings: [{ line: 12 }] });
});

t.test('placeContext: an object a kube-posture.io/ignore annotation switched a cluster policy off for is reported exempt, even with nothing else', async (t) => {
  const ns: ObjectId = { apiVersion: 'v1', kind: 'Namespace', name: 'lab' };
  const skip = { policyId: 'ctx', outcome: 'skip' as const, reason: 'annotation kube-posture.io/ignore: sandbox' };
  const results: ObjectResult[] = [];
  placeContext(results, { findings: [], outcomes: [], objects: [ctx(ns, [], { outcomes: [skip], annotationNotes: ['exempt by annotation: [ctx] sandbox'] })] }, {
    keyOf: () => '',
    refFor: (id) => ({ ref: { ...id, file: 'ns.yaml', line: 1 } }),
  });
  t.same(results.map((r) => [`${r.ref.kind}/${r.ref.name}`, r.policyExemptions, r.findings.length, r.verdict.allowed]), [['Namespace/lab', [{ policyId: 'ctx', reason: 'annotation kube-posture.io/ignore: sandbox' }], 0, true]]);
});
