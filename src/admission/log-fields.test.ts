import t from 'tap';
import type { Finding } from '../core/types.js';
import { boundedIds, LOG_ID_BOUNDS } from './log-fields.js';

function finding(policyId: string, path: string): Finding {
  return { kind: 'violation', policyId, title: '', severity: 'high', category: 'pod-security', action: 'deny', message: '', path, remediation: '', controls: [] } as Finding;
}

t.test('a few findings are logged as before: policy@path, in order', async (t) => {
  t.same(boundedIds([finding('a', 'spec.x'), finding('b', '')]), ['a@spec.x', 'b']);
  t.same(boundedIds([]), []);
});

t.test('many paths of one policy: the first few, then a count of the rest', async (t) => {
  const fs = Array.from({ length: 12_136 }, (_, i) => finding('privileged', `spec.containers[${i}].securityContext.privileged`));
  const ids = boundedIds(fs);
  t.same(ids, [
    'privileged@spec.containers[0].securityContext.privileged',
    'privileged@spec.containers[1].securityContext.privileged',
    'privileged@spec.containers[2].securityContext.privileged',
    'privileged: 12133 more',
  ]);
});

t.test('every policy keeps its place up to the policy cap; the rest are counted', async (t) => {
  const fs: Finding[] = [];
  for (let p = 0; p < 50; p++) for (let i = 0; i < 5; i++) fs.push(finding(`p${p}`, `spec.c[${i}]`));
  const ids = boundedIds(fs, { ...LOG_ID_BOUNDS, policies: 10 });
  t.equal(ids.filter((s) => s.startsWith('p0@')).length, 3);
  t.ok(ids.includes('p0: 2 more'));
  t.ok(ids.includes('p9: 2 more'));
  t.notOk(ids.some((s) => s.startsWith('p10')), 'the 11th policy is only counted');
  t.equal(ids.at(-1), '200 more findings of 40 more policies');
});

t.test('a long path is cut, even when there are only a few findings', async (t) => {
  const long = `metadata.annotations.${'k'.repeat(10_000)}`;
  const [id] = boundedIds([finding('a', long)]);
  t.ok(id!.length <= 2 + LOG_ID_BOUNDS.pathChars + 1, `cut to ${id!.length} characters`);
  t.ok(id!.endsWith('…'));
});
