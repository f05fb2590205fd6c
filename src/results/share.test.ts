import t from 'tap';
import { ResultSharing } from './share.js';
import type { ObjectResult } from './model.js';

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
