/**
 * Every policy that declares a fix: each of its fail fixtures goes through the same code as
 * `kube-posture fix` (the YAML document edited, src/fix/fix-text.ts), and is judged again. The policy's
 * findings are gone, but for those its fix declines (listed as "cannot fix"); no finding of any policy
 * appears that was not there before (profile `all`, a superset of every built-in profile); and a second
 * run changes nothing.
 */
import t from 'tap';
import { parse, stringify } from 'yaml';
import { loadLibrary } from '../../src/loader/load-policies.js';
import { fixtureConfig, readFixtures, type FixtureCase } from '../../src/testing/fixtures.js';
import { resolveEngineConfig, DEFAULT_POLICY_CONFIG } from '../../src/core/engine-config.js';
import { evaluate } from '../../src/core/engine.js';
import { inputFromObject } from '../../src/core/input.js';
import type { EngineConfig } from '../../src/core/engine-config.js';
import { fixText } from '../../src/fix/fix-text.js';

const { registry, problems } = await loadLibrary();
t.same(problems, [], 'the library loads');

/** The findings of an object as `policyId at path`, under a configuration, with the case's context. */
function findings(object: unknown, config: EngineConfig, c: FixtureCase): string[] {
  const input = inputFromObject(object, {
    ...(c.operation ? { operation: c.operation } : {}),
    ...(c.oldObject !== undefined ? { oldObject: c.oldObject } : {}),
    ...(c.namespaceLabels ? { namespaceLabels: c.namespaceLabels } : {}),
    ...(c.userInfo ? { userInfo: c.userInfo } : {}),
  });
  return evaluate(input, registry, config).findings.map((f) => `${f.policyId} at ${f.path}`).sort();
}

const withFix = [...registry.policies.values()].filter((r) => r.policy.target !== 'cluster' && typeof r.policy.fix === 'function');
t.ok(withFix.length >= 11, `${withFix.length} policies declare a fix`);

for (const registered of withFix) {
  const id = registered.policy.id;
  t.test(id, async (t) => {
    const { cases } = await readFixtures(registered.source.file, registered.policy.target);
    const fail = cases.filter((c) => c.expect === 'fail');
    t.ok(fail.length > 0, 'has fail fixtures');
    let mended = 0;
    for (const c of fail) {
      const where = `${c.file.split('/policies/')[1] ?? c.file}#${c.index}`;
      const alone = fixtureConfig(registered, registry, c).config!;
      const { config: all } = resolveEngineConfig({
        ...DEFAULT_POLICY_CONFIG, profile: 'all', podSecurity: { version: c.version ?? 'latest' },
        ...(c.parameters ? { policies: { [id]: { parameters: c.parameters } } } : {}),
      }, registry);
      const text = stringify(c.object);
      const first = fixText(text, 'fixture.yaml', { registry, config: alone });
      t.same(first.problems, [], `${where}: read`);
      const fixed: unknown = parse(first.text);
      const left = findings(fixed, alone, c);
      t.same(left, first.remaining.map((r) => `${r.policyId} at ${r.path}`).sort(), `${where}: what is left is what fix listed as left`);
      for (const r of first.remaining) t.notMatch(r.reason, /did not remove it/, `${where}: ${r.path} is left because the fix declines it (${r.reason})`);
      if (first.fixed > 0) mended++;
      // A finding is "new" when its policy had none on that container (or field outside containers) before:
      // a schema policy points at `securityContext` while it is missing and at the field inside it after.
      const where2 = (f: string) => f.replace(/((?:initContainers|containers|ephemeralContainers)\[\d+\]).*$/, '$1');
      const before = new Set(findings(c.object, all!, c).map(where2));
      const added = findings(fixed, all!, c).filter((f) => !before.has(where2(f)));
      t.same(added, [], `${where}: no new finding from any policy`);
      const second = fixText(first.text, 'fixture.yaml', { registry, config: alone });
      t.equal(second.text, first.text, `${where}: a second run changes nothing`);
    }
    t.ok(mended > 0, `the fix mends at least one fail fixture (${mended} of ${fail.length})`);
  });
}
