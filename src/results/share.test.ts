import t from 'tap';
import { ResultSharing } from './share.js';
import type { ObjectResult, ResultFinding } from './model.js';

const result = (name: string, message: string): ObjectResult => ({
  ref: { apiVersion: 'v1', kind: 'Pod', name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: '1' },
  status: 'evaluated',
  policyExemptions: [{ policyId: 'pss-host-path', reason: 'labelled' }],
  passed: ['a', 'b'],
  findings: [{ kind: 'violation', policyId: 'p', title: 'T', severity: 'high', category: 'c', action: 'deny', message, path: 'spec.x', remediation: 'r', controls: [] }],
  verdict: { allowed: false, outcome: 'denied', mode: 'enforce', message: 'no' },
});

t.test('equal parts of two results are one object; the results stay equal to what was given', async (t) => {
  const sharing = new ResultSharing();
  const a = result('a', 'same');
  const b = result('b', 'same');
  const sa = sharing.share(a);
  const sb = sharing.share(b);
  t.same(sa, a);
  t.same(sb, b);
  t.equal(sb.findings[0], sa.findings[0]);
  t.equal(sb.passed, sa.passed);
  t.equal(sb.policyExemptions, sa.policyExemptions);
  t.equal(sb.verdict, sa.verdict);
  t.not(sb.ref, sa.ref);
});

t.test('different findings are not shared', async (t) => {
  const sharing = new ResultSharing();
  const sa = sharing.share(result('a', 'one'));
  const sb = sharing.share(result('b', 'two'));
  t.not(sb.findings[0], sa.findings[0]);
  t.equal(sb.findings[0]!.message, 'two');
});

t.test('past the bound, new parts are kept unshared (and still correct)', async (t) => {
  const sharing = new ResultSharing(1);
  sharing.share(result('a', 'one'));
  const sb = sharing.share(result('b', 'two'));
  const sc = sharing.share(result('c', 'two'));
  t.not(sc.findings[0], sb.findings[0]);
  t.same(sc.findings[0], sb.findings[0]);
  t.ok(sharing.size <= 4);
});

t.test('findings that differ share equal evidence', async (t) => {
  const sharing = new ResultSharing();
  const withEvidence = (name: string) => {
    const r = result(name, `message about ${name}`);
    return { ...r, findings: [{ ...r.findings[0]!, evidence: ['ClusterRoleBinding "x" -> ClusterRole "y"', 'and 3 more'] }] };
  };
  const sa = sharing.share(withEvidence('a'));
  const sb = sharing.share(withEvidence('b'));
  t.not(sb.findings[0], sa.findings[0]);
  t.equal(sb.findings[0]!.evidence, sa.findings[0]!.evidence);
  t.same(sb.findings[0]!.evidence, ['ClusterRoleBinding "x" -> ClusterRole "y"', 'and 3 more']);
});

t.test('cluster policies\' findings share equal evidence; those without evidence are kept as they are', async (t) => {
  const sharing = new ResultSharing();
  const finding = (name: string, evidence?: string[]) => ({ ...result(name, `about ${name}`).findings[0]!, object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name }, ...(evidence ? { evidence } : {}) });
  const ctx = (name: string, evidence?: string[]) => ({ object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name }, findings: [finding(name, evidence)], outcomes: [], mode: 'enforce' as const, notes: [] });
  const plain = ctx('c');
  const [a, b, c] = sharing.context([ctx('a', ['chain 1', 'chain 2']), ctx('b', ['chain 1', 'chain 2']), plain]);
  t.equal(b!.findings[0]!.evidence, a!.findings[0]!.evidence);
  t.same(b!.findings[0]!.evidence, ['chain 1', 'chain 2']);
  t.equal(b!.findings[0]!.object.name, 'b');
  t.equal(c, plain);
});

t.test('findings are keyed by what varies; their policy text is compared on a hit', async (t) => {
  const { variableKey, samePolicyText } = await import('./share.js');
  const base = result('a', 'm').findings[0]!;
  // Every field of a finding is either in the key or compared: `changed` is typed with every key of
  // ResultFinding, so a field added to the model fails the typecheck here until it is placed.
  const keyed: (keyof ResultFinding)[] = ['kind', 'policyId', 'action', 'severity', 'path', 'message', 'value', 'pssVersion', 'line', 'baselined', 'evidence'];
  const compared: (keyof ResultFinding)[] = ['title', 'category', 'remediation', 'controls'];
  const changed: Record<keyof ResultFinding, unknown> = { kind: 'error', policyId: 'q', action: 'warn', severity: 'low', path: 'spec.y', message: 'n', value: 1, pssVersion: 'v1.30', line: 3, baselined: true, evidence: ['e'], title: 'U', category: 'd', remediation: 's', controls: ['X'] };
  t.same(Object.keys(changed).sort(), [...keyed, ...compared].sort());
  for (const field of keyed) t.not(variableKey({ ...base, [field]: changed[field] }), variableKey(base), `${field} is in the key`);
  for (const field of compared) {
    t.equal(variableKey({ ...base, [field]: changed[field] }), variableKey(base), `${field} is not in the key`);
    t.notOk(samePolicyText(base, { ...base, [field]: changed[field] }), `${field} is compared`);
  }
  t.not(variableKey({ ...base, value: null }), variableKey(base), 'a null value is not an absent one');
  t.not(variableKey({ ...base, message: 'a","b' }), variableKey({ ...base, message: 'a', path: 'b' }), 'no two findings share a key by quoting');
});

t.test('a policy reworded by a reload: its findings are not answered with the old wording', async (t) => {
  const sharing = new ResultSharing();
  const before = sharing.share(result('a', 'same'));
  const reworded = result('b', 'same');
  reworded.findings[0] = { ...reworded.findings[0]!, remediation: 'new advice' };
  const after = sharing.share(reworded);
  t.equal(after.findings[0]!.remediation, 'new advice');
  t.equal(before.findings[0]!.remediation, 'r');
  t.equal(sharing.share(result('c', 'same')).findings[0]!.remediation, 'r', 'and the old wording is still itself');
});
