import t from 'tap';
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load-config.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { PolicySetHolder } from '../../src/policy-set/policy-holder.js';
import { startConfigReloader, reloadPolicies, type ReloadResult } from '../../src/policy-set/config-reloader.js';
import { createLogger } from '../../src/admission/logger.js';
import { createMetrics } from '../../src/admission/metrics.js';
import { buildServer } from '../../src/admission/server.js';
import { noNamespaceLabels } from '../../src/cluster/namespace-labels.js';
import { LogCapture, TEST_POLICIES, loadReview, post } from './fixtures/harness.js';

/** Waits for the reloader's next result. */
function nextResult(results: ReloadResult[], count: number): Promise<ReloadResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (results.length >= count) resolve(results[count - 1]!);
      else if (Date.now() - started > 20_000) reject(new Error(`no reload result #${count}`));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

t.test('configuration and policy directories reload on change; bad versions are rejected and the old set keeps serving', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-reload-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const policies = join(dir, 'policies');
  await cp(TEST_POLICIES, policies, { recursive: true });
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, 'profile: all\npolicyDirectories: [policies]\n');

  const logs = new LogCapture();
  const logger = createLogger({ level: 'info', destination: logs });
  const holder = new PolicySetHolder();
  const load = async () => {
    const fc = await loadConfigFile(configFile);
    return buildPolicySet({ ...fc, policyDirectories: fc.policyDirectories.map((d) => join(dir, d)) }, { builtinDir: false });
  };
  t.ok((await reloadPolicies(load, holder, logger, 'start')).ok);
  const app = buildServer({ policies: holder, logger, metrics: createMetrics({ defaultMetrics: false }), namespaces: noNamespaceLabels() });
  const privileged = loadReview('pod-create-privileged.json');
  t.equal((await post(app, privileged)).body.response.allowed, false, 'enforce at start');

  const results: ReloadResult[] = [];
  const reloader = startConfigReloader({ configFile, load, holder, logger, debounceMs: 50, intervalMs: 200, onResult: (r) => results.push(r) });
  t.teardown(() => reloader.close());

  // 1. A valid change is picked up.
  await writeFile(configFile, 'profile: all\nmode: audit\npolicyDirectories: [policies]\n');
  t.ok((await nextResult(results, 1)).ok, 'new configuration accepted');
  t.equal(holder.current()?.generation, 2);
  t.equal((await post(app, privileged)).body.response.allowed, true, 'audit mode now');

  // 2. An invalid configuration is rejected with its reason; the previous set keeps serving.
  await writeFile(configFile, 'profile: all\nmode: audit\nexemption: {}\npolicyDirectories: [policies]\n');
  const bad = await nextResult(results, 2);
  t.notOk(bad.ok, 'invalid configuration rejected');
  t.match(bad.problems, [/unknown key "exemption"/]);
  t.equal(holder.current()?.generation, 2, 'old set kept');
  t.equal((await post(app, privileged)).body.response.allowed, true, 'still audit mode');
  t.match(logs.text, /configuration reload rejected/);

  // 3. Fixing it is picked up again.
  await writeFile(configFile, 'profile: all\npolicyDirectories: [policies]\n');
  t.ok((await nextResult(results, 3)).ok);
  t.equal((await post(app, privileged)).body.response.allowed, false, 'enforce again');

  // 4. A policy that fails to load (syntax error) is rejected; the old set keeps serving.
  await mkdir(join(policies, 'test-broken'));
  await writeFile(join(policies, 'test-broken', 'policy.ts'), 'export default {{ not typescript');
  const broken = await nextResult(results, 4);
  t.notOk(broken.ok, 'broken policy rejected');
  t.match(broken.problems?.join('\n'), /test-broken/);
  t.equal((await post(app, privileged)).body.response.allowed, false, 'the old set still denies');

  // 5. Removing the broken policy and changing a policy's behaviour is picked up.
  await rm(join(policies, 'test-broken'), { recursive: true });
  let r5 = await nextResult(results, 5);
  // The removal may arrive as two debounced batches; wait for a successful one.
  let n = 5;
  while (!r5.ok) r5 = await nextResult(results, ++n);
  t.ok(r5.ok, 'accepted after removing the broken policy');
  const before = holder.current()?.generation ?? 0;
  const policyFile = join(policies, 'test-no-privileged', 'policy.ts');
  await writeFile(policyFile, (await readFile(policyFile, 'utf8')).replace("defaultAction: 'deny'", "defaultAction: 'warn'"));
  while ((holder.current()?.generation ?? 0) === before) await nextResult(results, ++n);
  const warned = await post(app, privileged);
  t.equal(warned.body.response.allowed, true, 'policy edited to warn');
  t.match(warned.body.response.warnings, [/\[test-no-privileged\]/]);
});
