import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BUILTIN_POLICY_DIR, loadLibrary } from '../../src/loader/load-policies.js';
import { controlAnchor, generateDocs, parameterRows, renderComplianceDoc, renderPoliciesDoc, typeOf } from '../../src/catalogue/docs.js';
import { buildCatalogue } from '../../src/catalogue/controls.js';
import { registryOf } from '../fixtures/catalogue-registry.js';

const repoRoot = resolve(BUILTIN_POLICY_DIR, '..');

t.test('the committed policy docs match the library', async (t) => {
  const { registry, problems } = await loadLibrary();
  t.same(problems.map((p) => p.message), [], 'the library loads');
  for (const doc of generateDocs(registry, repoRoot)) {
    const committed = await readFile(join(repoRoot, doc.path), 'utf8').catch(() => '(missing)');
    t.ok(committed === doc.content, `${doc.path} is out of date: run \`npm run docs:policies\` and commit the result`);
  }
});

t.test('generation does not depend on the order policies were loaded in', async (t) => {
  const a = { id: 'a-policy', category: 'service', controls: ['nsa:network-separation'], target: 'object' as const, match: { kinds: ['Service'] }, check: () => [] };
  const b = { id: 'b-policy', category: 'workload', controls: ['cis-k8s:5.7.4', 'nsa:network-separation'], recommended: 'warn' as const };
  const c = { id: 'c-policy', category: 'custom', controls: [] };
  const one = registryOf([a, b, c]);
  const two = registryOf([c, b, a]);
  t.equal(renderPoliciesDoc(one, '/repo'), renderPoliciesDoc(two, '/repo'));
  t.equal(renderComplianceDoc(buildCatalogue(one)), renderComplianceDoc(buildCatalogue(two)));
  const doc = renderPoliciesDoc(one, '/repo');
  t.ok(doc.indexOf('## workload') < doc.indexOf('## service') && doc.indexOf('## service') < doc.indexOf('## custom'), 'known categories first, others after');
  t.match(doc, '[`policies/service/a-policy/policy.ts`](../policies/service/a-policy/policy.ts)', 'sources are relative to the repository');
  t.match(doc, `[\`cis-k8s:5.7.4\`](compliance.md#${controlAnchor('cis-k8s:5.7.4')})`, 'controls link into the catalogue');
  const compliance = renderComplianceDoc(buildCatalogue(one));
  t.match(compliance, /control-nsa-network-separation.*\[a-policy\]\(policies\.md#a-policy\), \[b-policy\]\(policies\.md#b-policy\)/, 'controls list their policies');
});

t.test('parameters are documented with type, default and description, safely for tables', async (t) => {
  const rows = parameterRows({
    type: 'object',
    required: ['mode'],
    properties: {
      types: { type: 'array', items: { enum: ['NodePort', 'LoadBalancer'] }, default: ['NodePort'], description: 'Types | forbidden\nhere.' },
      mode: { enum: ['a', 'b'] },
      count: { type: 'integer', default: 3 },
      odd: 'not a schema',
    },
  });
  t.same(rows.map((r) => r.name), ['count', 'mode', 'odd', 'types'], 'sorted by name');
  t.same(rows.find((r) => r.name === 'types'), { name: 'types', type: '("NodePort" | "LoadBalancer")[]', default: '`["NodePort"]`', description: 'Types | forbidden\nhere.' });
  t.equal(rows.find((r) => r.name === 'mode')?.default, 'required');
  t.equal(rows.find((r) => r.name === 'odd')?.type, 'any');
  t.equal(typeOf({ type: ['string', 'number'] }), 'string | number');
  const registry = registryOf([{ id: 'p', parameters: { type: 'object', properties: { x: { type: 'string', default: 'a|b', description: 'one | two\nlines' } } } }]);
  const doc = renderPoliciesDoc(registry, '/repo');
  t.match(doc, '| `x` | string | `"a\\|b"` | one \\| two lines |', 'pipes escaped and lines joined inside table cells');
});
