import t from 'tap';
import { rankNamespaces } from './namespaces.js';
import type { ObjectResult } from '../results/model.js';
import type { Severity } from '../core/types.js';

function obj(namespace: string | undefined, severities: Severity[]): ObjectResult {
  return {
    ref: { apiVersion: 'v1', kind: 'Pod', name: 'p', ...(namespace !== undefined ? { namespace } : {}), file: 'f.yaml', line: 1 },
    status: 'evaluated',
    policyExemptions: [],
    findings: severities.map((severity) => ({ kind: 'violation', policyId: 'x', title: 'x', severity, category: 'c', action: 'deny', message: 'm', path: 'spec', remediation: 'r', controls: [] })),
    verdict: { allowed: true, outcome: 'allowed', mode: 'enforce' },
  } as ObjectResult;
}

t.test('a critical finding outweighs two low ones; clean namespaces last; cluster-scoped as ""', async (t) => {
  const ranked = rankNamespaces({ objects: [obj('a', ['low', 'low']), obj('b', ['critical']), obj('c', []), obj(undefined, ['medium']), obj('a', [])] });
  t.same(ranked.map((r) => r.namespace), ['b', '', 'a', 'c']);
  const a = ranked.find((r) => r.namespace === 'a')!;
  t.same([a.objects, a.failing, a.findings.low, a.weight], [2, 1, 2, 4]);
  t.equal(ranked[0]!.weight, 10);
});

t.test('control priority: severity weight times failing resources', async (t) => {
  const { controlPriority } = await import('./priority.js');
  t.ok(controlPriority('critical', 3) > controlPriority('low', 10));
  t.equal(controlPriority(undefined, 4), 4, 'a control without a severity weighs as info');
  t.equal(controlPriority('high', 0), 0);
});
