/**
 * `kube-posture explain <policy-id>` (issue #15), run as a process on the built-in library.
 */
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import type { Explanation } from '../../src/cli/explain.js';

t.test('explain prints what a policy checks, its controls, parameters, profiles, examples and fix', async (t) => {
  const r = await runCli(['explain', 'require-resource-limits']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^require-resource-limits: Containers must set resource limits/);
  t.match(r.stdout, /What it checks and why:\n {2}Every container and init container must set `resources\.limits`/);
  t.match(r.stdout, /Controls:\n {2}nsa:network-separation {2}\S/, 'controls with their catalogue titles');
  t.match(r.stdout, /Parameters:\n {2}resources \(array\), default \["memory"\]: Resource names/);
  t.match(r.stdout, /Action by profile:\n {2}recommended +warn\n {2}pss-baseline +not enabled\n {2}pss-restricted +not enabled\n {2}all +warn/);
  t.match(r.stdout, /Failing example \(policies\/workload\/require-resource-limits\/fixtures\/fail\/[^)]+\):\n {4}apiVersion:/);
  t.match(r.stdout, /\n {2}-> container "[^"]+": resources\.limits must set/, 'the failing example with what the policy says about it');
  t.match(r.stdout, /Passing example \(policies\/workload\/require-resource-limits\/fixtures\/pass\//);
  t.match(r.stdout, /How to fix:\n {2}Set `resources\.limits\.memory`/);
  t.match(r.stdout, /\n {2}`kube-posture fix` can make this change for you/, 'the policy declares a fix');
  t.match(r.stdout, /defaultLimits \(object\), default \{"memory":"512Mi"\}/);
});

t.test('explain -o json carries the same content', async (t) => {
  const r = await runCli(['explain', 'pss-privileged', '-o', 'json']);
  t.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout) as Explanation;
  t.equal(e.id, 'pss-privileged');
  t.match(e.controls, [{ id: 'pss:baseline/privileged', title: String }]);
  t.same(e.profiles.map((p) => [p.profile, p.action]).sort(), [['all', 'deny'], ['pss-baseline', 'deny'], ['pss-restricted', 'deny'], ['recommended', 'deny']]);
  t.ok(e.examples.fail && e.examples.fail.findings.length > 0, 'the failing example has findings');
  t.same(e.examples.pass?.findings, [], 'the passing example has none');
  t.match(e.examples.fail?.object, { kind: String, spec: Object });
  t.type(e.remediation, 'string');
  t.equal(e.fixable, true, 'privileged: false is a declared fix');
  const probe = JSON.parse((await runCli(['explain', 'require-liveness-probe', '-o', 'json'])).stdout) as Explanation;
  t.equal(probe.fixable, false, 'a probe is no mechanical fix');
});

t.test('an unknown id is exit 2 with the closest ids suggested', async (t) => {
  const r = await runCli(['explain', 'privileged']);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^kube-posture explain: no policy "privileged"; did you mean pss-privileged/);
  const typo = await runCli(['explain', 'pss-privilegd']);
  t.equal(typo.code, 2);
  t.match(typo.stderr, /did you mean pss-privileged/);
  const far = await runCli(['explain', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz']);
  t.equal(far.code, 2);
  t.notMatch(far.stderr, /did you mean/, 'nothing is suggested when nothing is close');
  t.equal((await runCli(['explain', 'pss-privileged', '-o', 'yaml'])).code, 2, 'a bad -o is a usage error');
});
