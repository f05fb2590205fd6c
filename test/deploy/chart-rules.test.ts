/**
 * The chart's admission rules equal what webhookRules() computes for the same configuration, for every
 * profile, mode and a set of per-policy overrides. The template re-implements the combination in Go
 * templates (Helm cannot run TypeScript); this test is what keeps the two in step.
 */
import t, { type Test } from 'tap';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import { PROFILE_NAMES } from '../../src/core/registry.js';
import type { Mode } from '../../src/core/types.js';
import { webhookRules } from '../../src/core/webhook-rules.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { chartWithLibrary, expectedRuleTuples, findHelm, renderChart, sortedTuples, webhooksOf } from './render.js';

const helm = await findHelm();
if (!helm) {
  t.fail('helm not found: npm test builds it first (its pretest script runs scripts/install-helm.sh); run that script when running test files directly');
  process.exit(1);
}

const FIXTURE_LIBRARY = fileURLToPath(new URL('./fixtures/policies', import.meta.url));
const MODES: Mode[] = ['enforce', 'warn', 'audit'];

interface Scenario {
  name: string;
  profile: string;
  mode: Mode;
  policies?: Record<string, unknown>;
}

async function check(t: Test, s: Scenario, chartDir: string | undefined, libraryDirs: string[]) {
  const configText = stringify({ profile: s.profile, mode: s.mode, policies: s.policies ?? {}, policyDirectories: libraryDirs });
  const ps = await buildPolicySet(parseConfig(configText), libraryDirs.length > 0 ? { builtinDir: false } : {});
  const expected = expectedRuleTuples(ps.registry, ps.engine, s.mode);
  const objects = await renderChart({ profile: s.profile, mode: s.mode, config: { policies: s.policies ?? {} } }, chartDir ? { chartDir } : {});
  const hooks = webhooksOf(objects);
  const deny = hooks.find((h) => h.name === 'deny.kube-posture.io');
  const warn = hooks.find((h) => h.name === 'warn.kube-posture.io');
  t.same(deny ? sortedTuples(deny.rules) : [], expected.deny, `${s.name}: deny webhook rules`);
  t.same(warn ? sortedTuples(warn.rules) : [], expected.warn, `${s.name}: warn webhook rules`);
  t.equal(deny !== undefined, expected.deny.length > 0, `${s.name}: deny webhook present iff it has rules`);
  t.equal(warn !== undefined, expected.warn.length > 0, `${s.name}: warn webhook present iff it has rules`);
  for (const h of hooks) t.notOk(h.rules.some((r) => r.resources.some((x) => x.startsWith('*')) || r.apiGroups.includes('*')), `${s.name}: ${h.name} has no wildcard rule`);
  if (s.mode === 'enforce' && deny) {
    // Same grouping and order as webhookRules(), not only the same matching.
    t.same(deny.rules, webhookRules(ps.registry, ps.engine, { actions: ['deny'] }), `${s.name}: deny rules are webhookRules() verbatim`);
  }
  return { deny, warn };
}

t.test('test library: every profile and mode', async (t) => {
  const { chartDir, cleanup } = await chartWithLibrary(FIXTURE_LIBRARY);
  t.teardown(cleanup);
  let denyTuples = 0;
  for (const profile of PROFILE_NAMES) {
    for (const mode of MODES) {
      const { deny } = await check(t, { name: `${profile}/${mode}`, profile, mode }, chartDir, [FIXTURE_LIBRARY]);
      denyTuples += deny?.rules.length ?? 0;
    }
  }
  t.ok(denyTuples > 0, 'the test library produces deny webhooks (the comparison is not vacuous)');
});

t.test('test library: per-policy overrides in config.policies', async (t) => {
  const { chartDir, cleanup } = await chartWithLibrary(FIXTURE_LIBRARY);
  t.teardown(cleanup);
  const scenarios: Scenario[] = [
    { name: 'action enables a policy outside the profile', profile: 'recommended', mode: 'enforce', policies: { 'fx-ingress-tls': { action: 'deny' } } },
    { name: 'enabled: true at the default action', profile: 'recommended', mode: 'enforce', policies: { 'fx-ingress-tls': { enabled: true } } },
    { name: 'enabled: false removes a deny policy', profile: 'recommended', mode: 'enforce', policies: { 'fx-clusterrole-wildcard': { enabled: false } } },
    { name: 'deny lowered to audit moves its resources to the warn webhook', profile: 'recommended', mode: 'enforce', policies: { 'fx-service-nodeport': { action: 'audit' } } },
    { name: 'warn raised to deny', profile: 'recommended', mode: 'enforce', policies: { 'fx-service-external-ips': { action: 'deny' } } },
    { name: 'disabled PSS check is still reachable by namespace labels', profile: 'pss-baseline', mode: 'enforce', policies: { 'fx-pss-privileged': { enabled: false } } },
    { name: 'overrides under audit', profile: 'none', mode: 'audit', policies: { 'fx-ingress-tls': { action: 'deny' }, 'fx-clusterrole-wildcard': { enabled: true } } },
  ];
  for (const s of scenarios) await check(t, s, chartDir, [FIXTURE_LIBRARY]);

  // Service CREATE is deny-level (fx-service-nodeport) but UPDATE only warn-level (fx-service-external-ips):
  // the split must be per operation, not per resource.
  const { deny, warn } = await check(t, { name: 'recommended/enforce', profile: 'recommended', mode: 'enforce' }, chartDir, [FIXTURE_LIBRARY]);
  t.ok(deny && sortedTuples(deny.rules).includes('/v1/services CREATE Namespaced'), 'Service CREATE goes to the fail-closed webhook');
  t.ok(warn && sortedTuples(warn.rules).includes('/v1/services UPDATE Namespaced'), 'Service UPDATE goes to the fail-open webhook');
  t.notOk(warn && sortedTuples(warn.rules).includes('/v1/services CREATE Namespaced'), 'and is not sent twice');
});

t.test('test library: under audit, cluster-scoped kinds never reach a fail-closed webhook', async (t) => {
  const { chartDir, cleanup } = await chartWithLibrary(FIXTURE_LIBRARY);
  t.teardown(cleanup);
  const { deny, warn } = await check(t, { name: 'recommended/audit', profile: 'recommended', mode: 'audit' }, chartDir, [FIXTURE_LIBRARY]);
  t.ok(deny, 'label-enforced namespaces have a fail-closed webhook');
  t.notOk(deny!.rules.some((r) => r.scope !== 'Namespaced'), 'only namespaced rules: a namespaceSelector never skips cluster-scoped objects');
  t.ok(warn!.rules.some((r) => r.resources.includes('clusterroles')), 'ClusterRoles are still evaluated, fail-open');
  const expr = deny!.namespaceSelector.matchExpressions ?? [];
  t.ok(expr.some((e) => e.key === 'kube-posture.io/mode' && e.operator === 'In' && e.values?.join() === 'enforce'), 'selects namespaces labelled kube-posture.io/mode=enforce');
  const off = webhooksOf(await renderChart({ mode: 'audit', webhook: { failClosedForEnforcedNamespaces: false } }, { chartDir }));
  t.same(off.map((h) => h.name), ['warn.kube-posture.io'], 'failClosedForEnforcedNamespaces: false leaves only the fail-open webhook');
  const custom = webhooksOf(await renderChart({ mode: 'warn', config: { namespaceLabels: { prefix: 'example.com' } } }, { chartDir }));
  t.ok(custom[0]!.namespaceSelector.matchExpressions!.some((e) => e.key === 'example.com/mode'), 'follows a custom label prefix');
});

t.test('the built-in library: rules.json is current and every profile renders its rules', async (t) => {
  const ps = await buildPolicySet(parseConfig('{}'), {});
  t.comment(`built-in library: ${ps.registry.policies.size} policies`);
  for (const profile of PROFILE_NAMES) for (const mode of MODES) await check(t, { name: `builtin ${profile}/${mode}`, profile, mode }, undefined, []);
});
