import t from 'tap';
import type { EngineResult } from '../core/engine.js';
import { decide } from '../core/decide.js';
import type { Finding } from '../core/types.js';
import { buildReport, objectResult, summarize } from './build.js';
import type { FileRef } from './model.js';

function finding(over: Partial<Finding>): Finding {
  return { kind: 'violation', policyId: 'p', title: 't', severity: 'high', category: 'c', action: 'deny', message: 'm', path: 'spec.x', remediation: 'r', controls: [], ...over };
}
const ref: FileRef = { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'shop', file: 'app.yaml', line: 3 };
const engine = (over: Partial<EngineResult>): EngineResult => ({ findings: [], outcomes: [], mode: 'enforce', notes: [], ...over });

t.test('an evaluated object: findings placed on lines, verdict from the decision, per-policy exemptions named', async (t) => {
  const r = engine({
    findings: [finding({ policyId: 'a', path: 'spec.x' }), finding({ policyId: 'b', action: 'warn', path: '' })],
    outcomes: [{ policyId: 'a', outcome: 'fail' }, { policyId: 'b', outcome: 'fail' }, { policyId: 'c', outcome: 'skip', reason: 'namespace shop' }],
  });
  const o = objectResult(ref, r, decide(r), (path) => (path === 'spec.x' ? 7 : path === '' ? 3 : undefined));
  t.equal(o.status, 'evaluated');
  t.same(o.findings.map((f) => [f.policyId, f.line]), [['a', 7], ['b', 3]]);
  t.same(o.policyExemptions, [{ policyId: 'c', reason: 'namespace shop' }]);
  t.same(o.passed, [], 'a and b failed, c was skipped: nothing passed');
  t.same(o.verdict, { allowed: false, outcome: 'denied', mode: 'enforce', message: 'kube-posture: 1 policy violation: [a] m (spec.x)' });
});

t.test('policies that ran and found nothing are listed as passed; errors and timeouts are not', async (t) => {
  const r = engine({
    findings: [finding({ policyId: 'b', kind: 'error' })],
    outcomes: [{ policyId: 'a', outcome: 'pass' }, { policyId: 'b', outcome: 'error' }, { policyId: 't', outcome: 'timeout' }, { policyId: 'd', outcome: 'pass' }],
  });
  t.same(objectResult(ref, r, decide(r)).passed, ['a', 'd']);
});

t.test('an exempt object is a result with its reason, never missing', async (t) => {
  const r = engine({ exemptBy: 'namespace kube-system' });
  const o = objectResult({ ...ref, namespace: 'kube-system' }, r, decide(r));
  t.equal(o.status, 'exempt');
  t.equal(o.exemptBy, 'namespace kube-system');
  t.equal(o.verdict.allowed, true);
  t.equal(o.verdict.outcome, 'exempt');
  t.same(o.passed, [], 'nothing ran, so nothing passed');
});

t.test('summary: hand-counted over three objects', async (t) => {
  const denied = engine({ findings: [finding({ severity: 'critical' }), finding({ action: 'warn', severity: 'low' }), finding({ kind: 'error', action: 'warn', severity: 'medium' })] });
  const audited = engine({ findings: [finding({ action: 'audit', severity: 'info' })] });
  const exempt = engine({ exemptBy: 'user x' });
  const objects = [denied, audited, exempt].map((e) => objectResult(ref, e, decide(e)));
  t.same(summarize(objects), {
    objects: 3,
    denied: 1,
    exempt: 1,
    findings: { deny: 1, warn: 2, audit: 1 },
    bySeverity: { critical: 1, high: 0, medium: 1, low: 1, info: 1 },
    errors: 1,
  });
  const report = buildReport(objects, [{ code: 'KP_ERR_INPUT_PARSE', message: 'bad', file: 'x.yaml', line: 1 }]);
  t.equal(report.problems.length, 1);
  t.equal(report.summary.objects, 3);
});

// A scan keeps every finding: findings of one form must share V8's hidden class, or each costs a map
// and a descriptor array of its own (~400 bytes; `{ ...f, line }` did that, 27 MB in 50,000 objects).
t.test('findings placed on lines share one hidden class', async (t) => {
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--allow-natives-syntax');
  const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
  const placed = Array.from({ length: 200 }, (_, i) => objectResult(ref, engine({ findings: [finding({ message: `m${i}` })] }), decide(engine({})), () => i + 1).findings[0]!);
  t.equal(placed[199]!.line, 200, 'the line is placed');
  t.same(Object.keys(placed[0]!), [...Object.keys(finding({})), 'line'], 'the finding\'s fields, then its line');
  const apart = placed.filter((f, i) => i > 0 && !sameMap(f, placed[i - 1]!)).length;
  t.equal(apart, 0, 'every placed finding has the hidden class of the one before');
});
