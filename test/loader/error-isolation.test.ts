import t from 'tap';
import { join } from 'node:path';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { parseConfig } from '../../src/config/load-config.js';
import { evaluate, decide, inputFromObject } from '../../src/core/index.js';
import { guardedRunner } from '../../src/guard/guard.js';
import { USER_POLICIES } from '../helpers/policies.js';

const dirs = `[${JSON.stringify(join(USER_POLICIES, 'misbehaving'))}, ${JSON.stringify(join(USER_POLICIES, 'good'))}]`;
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'a' }, data: { password: 'hunter2' } };
const privilegedPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { containers: [{ name: 'app', image: 'x:1', securityContext: { privileged: true } }] } };

t.test('throwing, non-terminating and misbehaving modules yield error findings for themselves alone', async (t) => {
  const set = await buildPolicySet(parseConfig(`profile: all\nevaluation: { timeoutMs: 500 }\npolicyDirectories: ${dirs}\n`), { builtinDir: false });
  const runner = guardedRunner({ timeoutMs: set.engine.timeoutMs });
  const r = evaluate(inputFromObject(configMap), set.registry, set.engine, { runner });
  const byPolicy = Object.fromEntries(r.findings.map((f) => [f.policyId, f]));
  t.equal(byPolicy.throws?.kind, 'error');
  t.equal(byPolicy.throws?.action, 'deny', 'throws fails closed (the default)');
  t.match(byPolicy.throws?.message, /boom from a broken policy/);
  t.equal(byPolicy['endless-loop']?.kind, 'error');
  t.equal(byPolicy['endless-loop']?.action, 'warn', 'endless-loop is configured to fail open');
  t.match(byPolicy['endless-loop']?.message, /time budget/);
  t.equal(byPolicy['returns-garbage']?.kind, 'error');
  t.same(r.outcomes.filter((o) => o.outcome !== 'pass').map((o) => `${o.policyId}:${o.outcome}`).sort(), ['endless-loop:timeout', 'returns-garbage:error', 'throws:error']);
  const d = decide(r);
  t.equal(d.allowed, false, 'fail closed denies');
  t.notMatch(JSON.stringify(d), /hunter2/, 'object contents never appear in the decision');

  // Other policies and other requests are unaffected: the pod rule still works right after.
  const next = evaluate(inputFromObject(privilegedPod), set.registry, set.engine, { runner });
  t.same(next.findings.map((f) => f.policyId), ['demo-privileged']);
  t.equal(next.findings[0]?.kind, 'violation');
});

t.test('fail open: a broken deny policy lets the request through with a warning', async (t) => {
  const set = await buildPolicySet(parseConfig(`profile: all\nevaluation: { timeoutMs: 500, onError: open }\npolicyDirectories: ${dirs}\n`), { builtinDir: false });
  const d = decide(evaluate(inputFromObject(configMap), set.registry, set.engine, { runner: guardedRunner({ timeoutMs: 500 }) }));
  t.equal(d.allowed, true);
  t.match(d.warnings.join('\n'), /\[throws\] policy failed: boom/);
  t.match(d.warnings.join('\n'), /\[endless-loop\] policy ran past its time budget/);
});
