import t from 'tap';
import { composeProfile, profileNames } from './profiles.js';
import { testConfig, testRegistry } from '../../test/helpers/policies.js';
import { resolveEngineConfig, DEFAULT_POLICY_CONFIG } from './engine-config.js';

const registry = testRegistry();
const actions = (profile: string) => Object.fromEntries(testConfig(registry, { profile }).enabled.map((e) => [e.id, e.action]));

t.test('a profile alone is itself; pss-restricted holds only the Pod Security checks', async (t) => {
  const restricted = actions('pss-restricted');
  t.same(Object.keys(restricted).sort(), ['t-host-ns', 't-privileged', 't-run-as-non-root', 't-seccomp-baseline', 't-seccomp-restricted']);
  t.notOk('t-wildcard-verbs' in restricted, 'no RBAC or hygiene policy in pss-restricted');
});

t.test('profiles compose: union of policies, the stricter action wins', async (t) => {
  const rec = actions('recommended');
  t.equal(rec['t-run-as-non-root'], 'warn', 'recommended warns on a restricted check');
  const both = actions('recommended,pss-restricted');
  t.equal(both['t-run-as-non-root'], 'deny', 'pss-restricted denies it: deny wins');
  t.equal(both['t-wildcard-verbs'], 'deny', 'recommended-only policies stay');
  t.equal(both['t-latest-tag'], 'warn', 'recommended-only warn stays warn');
  t.equal(both['t-seccomp-restricted'], 'deny', 'pss-only policies join');
  t.same(actions('pss-restricted, recommended'), both, 'order and spaces do not matter');
  t.same(actions('recommended,recommended'), rec, 'a repeated name counts once');
});

t.test('unknown names in a composed profile are each reported', async (t) => {
  const { config, problems } = resolveEngineConfig({ ...DEFAULT_POLICY_CONFIG, profile: 'recommended,strict,pss-x' }, registry);
  t.equal(config, undefined);
  t.same(problems.map((p) => p.message.split(';')[0]), ['unknown profile "strict"', 'unknown profile "pss-x"']);
  t.same(composeProfile(registry, ' , ').unknown, [' , '], 'an empty list is unknown, never "nothing enabled"');
  t.same(profileNames('a, b,,a'), ['a', 'b']);
});
