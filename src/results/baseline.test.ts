import t from 'tap';
import { readFileSync } from 'node:fs';
import { applyBaseline, baselineOf, baselineSchema, fingerprint, parseBaseline } from './baseline.js';
import { buildReport } from './build.js';
import type { ObjectResult, ResultFinding } from './model.js';
import { KubePostureError } from '../core/errors.js';

const finding = (policyId: string, path: string, extra: Partial<ResultFinding> = {}): ResultFinding => ({ kind: 'violation', policyId, title: policyId, severity: 'high', category: 'c', action: 'deny', message: 'm', path, remediation: 'r', controls: [], ...extra });
const object = (name: string, file: string, line: number, findings: ResultFinding[]): ObjectResult => ({
  ref: { apiVersion: 'v1', kind: 'Pod', name, namespace: 'team', file, line },
  status: 'evaluated', policyExemptions: [], passed: [], findings, verdict: { allowed: false, outcome: 'denied', mode: 'enforce' },
});

t.test('a fingerprint is the object, policy and path: never the file or line', async (t) => {
  const a = fingerprint({ kind: 'Pod', namespace: 'team', name: 'p' }, { policyId: 'x', path: 'spec' });
  t.equal(a, fingerprint({ kind: 'Pod', namespace: 'team', name: 'p' }, { policyId: 'x', path: 'spec' }));
  t.not(a, fingerprint({ kind: 'Pod', namespace: 'other', name: 'p' }, { policyId: 'x', path: 'spec' }));
  t.not(a, fingerprint({ kind: 'Pod', name: 'teamp' }, { policyId: 'x', path: 'spec' }), 'fields are separated, not concatenated');
  const before = buildReport([object('p', 'a.yaml', 1, [finding('x', 'spec.a', { line: 5 })])], []);
  const moved = buildReport([object('p', 'b.yaml', 40, [finding('x', 'spec.a', { line: 44 }), finding('y', 'spec.b')])], []);
  const marked = applyBaseline(moved, baselineOf(before));
  t.same(marked.objects[0]!.findings.map((f) => [f.policyId, f.baselined === true]), [['x', true], ['y', false]]);
});

t.test('policy errors are never baselined; the baseline is sorted and each finding once', async (t) => {
  const report = buildReport([object('b', 'f', 1, [finding('z', 'p'), finding('z', 'p')]), object('a', 'f', 9, [finding('e', '', { kind: 'error' })])], []);
  const b = baselineOf(report, 'kube-posture test');
  t.same(b.findings.map((f) => [f.name, f.policyId]), [['b', 'z']]);
  t.equal(b.version, 1);
  const errorPrint = fingerprint(report.objects[1]!.ref, { policyId: 'e', path: '' });
  const marked = applyBaseline(report, { ...b, findings: [...b.findings, { fingerprint: errorPrint, kind: 'Pod', name: 'a', policyId: 'e', path: '' }] });
  t.notOk(marked.objects[1]!.findings[0]!.baselined, 'an error finding stays new even when listed');
});

t.test('reading: the schema decides, and the published schema is the code\'s', async (t) => {
  const good = JSON.stringify(baselineOf(buildReport([object('p', 'f', 1, [finding('x', 's')])], [])));
  t.equal(parseBaseline(good, 'b.json').findings.length, 1);
  t.throws(() => parseBaseline('{', 'b.json'), KubePostureError);
  t.throws(() => parseBaseline(JSON.stringify({ kind: 'KubePostureBaseline', version: 2, findings: [] }), 'b.json'), /not a kube-posture baseline version 1/);
  t.throws(() => parseBaseline(JSON.stringify({ kind: 'KubePostureBaseline', version: 1, findings: [{ fingerprint: 'nope', kind: 'Pod', name: 'p', policyId: 'x', path: '' }] }), 'b.json'));
  t.same(JSON.parse(readFileSync(new URL('../../docs/schema/baseline-v1.schema.json', import.meta.url), 'utf8')), JSON.parse(JSON.stringify(baselineSchema)), 'docs/schema/baseline-v1.schema.json is current (npm run docs:schema)');
});
