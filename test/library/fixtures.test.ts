/**
 * Every policy in the built-in library runs its own pass and fail fixtures here. A policy without
 * either kind fails the suite, and so does a pod rule without a workload-template fail case.
 */
import t from 'tap';
import { loadLibrary } from '../../src/loader/load-policies.js';
import { readFixtures, runFixture } from '../../src/testing/fixtures.js';
import { formatProblem, lookupKind, isRecord } from '../../src/core/index.js';
import { paramsValidator } from '../../src/core/params-validator.js';
import { defaultsOf } from '../../src/core/schema-policy.js';

const { registry, problems } = await loadLibrary();

t.test('the built-in library loads without problems', async (t) => {
  t.same(problems.map(formatProblem), []);
  t.ok(registry.policies.size > 0, `${registry.policies.size} policies`);
});

t.test('every built-in parameter schema compiles and its defaults satisfy it (not re-checked when a scan starts)', async (t) => {
  let checked = 0;
  for (const { policy } of registry.policies.values()) {
    if (policy.parameters === undefined) continue;
    const validate = paramsValidator(policy.parameters);
    t.ok(validate(defaultsOf(policy.parameters)), `${policy.id}: ${JSON.stringify(validate.errors ?? [])}`);
    checked++;
  }
  t.ok(checked > 10, `${checked} policies take parameters`);
});

for (const registered of registry.policies.values()) {
  const { policy } = registered;
  t.test(`${policy.category}/${policy.id}`, async (t) => {
    const { cases, problems: fixtureProblems } = await readFixtures(registered.source.file, policy.target);
    t.same(fixtureProblems, [], 'has pass and fail fixtures, all readable');
    if (policy.target === 'pod') {
      const templated = cases.some((c) => c.expect === 'fail' && isRecord(c.object) && typeof c.object.kind === 'string' && c.object.kind !== 'Pod' && lookupKind({ group: String(c.object.apiVersion ?? '').split('/').slice(0, -1).join('/'), kind: c.object.kind })?.podPath !== undefined);
      t.ok(templated, 'a pod rule has a workload-template fail fixture');
    }
    for (const c of cases) {
      const r = runFixture(registered, registry, c);
      t.ok(r.ok, `${c.expect}: ${c.file.split('/policies/')[1] ?? c.file}#${c.index}${r.reason ? ` — ${r.reason}` : ''}`);
    }
  });
}
