import t from 'tap';
import type { Finding } from '../core/types.js';
import { emptySummary } from './build.js';
import { wouldDeny } from './compare.js';
import type { ObjectResult, Report } from './model.js';

const f = (policyId: string, action: Finding['action']): Finding => ({ kind: 'violation', policyId, title: '', severity: 'high', category: '', action, message: '', path: '', remediation: '', controls: [] });
const obj = (name: string, allowed: boolean, findings: Finding[]): ObjectResult => ({ ref: { apiVersion: 'v1', kind: 'Pod', name, namespace: 'a', uid: name, resourceVersion: '1' }, status: 'evaluated', policyExemptions: [], findings, verdict: { allowed, outcome: allowed ? 'allowed' : 'denied', mode: 'enforce' } });
const report = (objects: ObjectResult[]): Report => ({ objects, problems: [], summary: emptySummary() });

t.test('wouldDeny: every object denied after, marked new when it was allowed before; deny policies listed', async (t) => {
  const before = report([obj('x', false, [f('p1', 'deny')]), obj('y', true, [f('p2', 'warn')]), obj('z', true, [])]);
  const after = report([obj('x', false, [f('p1', 'deny'), f('p3', 'deny')]), obj('y', false, [f('p2', 'deny'), f('p2', 'deny'), f('p4', 'warn')]), obj('z', true, [])]);
  t.same(wouldDeny(before, after).map((w) => [w.object.ref.name, w.isNew, w.policies]), [['x', false, ['p1', 'p3']], ['y', true, ['p2']]]);
  t.same(wouldDeny(after, after).filter((w) => w.isNew), [], 'the same setting denies nothing new');
});
