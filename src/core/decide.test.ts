import t from 'tap';
import { decide, denyMessage, WARNING_MAX_CHARS } from './decide.js';
import type { Finding } from './types.js';

function finding(over: Partial<Finding>): Finding {
  return { kind: 'violation', policyId: 'p', title: 't', severity: 'high', category: 'c', action: 'deny', message: 'm', path: 'spec.x', remediation: 'r', controls: [], ...over };
}

t.test('enforce: every deny-level finding in one line with its rule and path', async (t) => {
  const d = decide({ mode: 'enforce', findings: [
    finding({ policyId: 'pss-privileged', message: 'container "app": securityContext.privileged must be false', path: 'spec.containers[0].securityContext.privileged' }),
    finding({ policyId: 'pss-host-namespaces', message: 'hostNetwork must be unset or false', path: 'spec.hostNetwork' }),
    finding({ policyId: 'latest', action: 'warn', message: 'image tag latest', path: 'spec.containers[0].image' }),
  ] });
  t.equal(d.allowed, false);
  t.equal(d.message, 'kube-posture: 2 policy violations: [pss-privileged] container "app": securityContext.privileged must be false (spec.containers[0].securityContext.privileged); [pss-host-namespaces] hostNetwork must be unset or false (spec.hostNetwork)');
  t.notMatch(d.message, /\n/);
  t.same(d.warnings, ['[latest] image tag latest (spec.containers[0].image)'], 'warnings are returned on denied answers too');
});

t.test('warn mode turns denials into warnings', async (t) => {
  const d = decide({ mode: 'warn', findings: [finding({ policyId: 'a' })] });
  t.equal(d.allowed, true);
  t.same(d.warnings, ['[a] m (spec.x)']);
  t.same(d.wouldDeny.map((f) => f.policyId), ['a']);
});

t.test('audit mode never denies: would-deny warning and annotation', async (t) => {
  const d = decide({ mode: 'audit', findings: [finding({ policyId: 'a' }), finding({ policyId: 'b', action: 'audit', message: 'noted' })] });
  t.equal(d.allowed, true);
  t.same(d.warnings, ['would deny: [a] m (spec.x)']);
  t.equal(d.auditAnnotations['would-deny'], 'kube-posture: 1 policy violation: [a] m (spec.x)');
  t.equal(d.auditAnnotations.b, '[b] noted (spec.x)');
  const override = decide({ mode: 'enforce', findings: [finding({})] }, 'audit');
  t.equal(override.allowed, true, 'a mode override applies');
});

t.test('warnings are short, free of control characters and unique', async (t) => {
  const long = 'x'.repeat(300);
  const d = decide({ mode: 'enforce', findings: [
    finding({ action: 'warn', message: `line1\nline2\ttab\u0000nul`, path: 'a' }),
    finding({ action: 'warn', message: `line1\nline2\ttab\u0000nul`, path: 'a' }),
    finding({ action: 'warn', message: long, path: 'spec.containers[0]' }),
    finding({ action: 'warn', message: 'lone surrogate \ud800 here', path: 'b' }),
    finding({ action: 'warn', message: 'separators\u2028and\u0085C1 \u009f controls', path: 'c' }),
  ] });
  t.equal(d.warnings.length, 4, 'duplicates are dropped');
  for (const w of d.warnings) {
    t.ok(w.length <= WARNING_MAX_CHARS, `at most ${WARNING_MAX_CHARS} chars: ${w.length}`);
    t.notMatch(w, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/, 'no control characters or line separators');
    t.equal(w, w.toWellFormed(), 'well-formed');
    t.notMatch(w, /^Warning:/);
  }
});

t.test('the number of warnings is bounded', async (t) => {
  const findings = Array.from({ length: 200 }, (_, i) => finding({ action: 'warn', message: `w${i}` }));
  t.ok(decide({ mode: 'enforce', findings }).warnings.length <= 25);
});

t.test('deny message deduplicates identical findings', async (t) => {
  t.equal(denyMessage([finding({}), finding({})]), 'kube-posture: 1 policy violation: [p] m (spec.x)');
});

t.test('decide sorts findings into the buckets adapters read, once', async (t) => {
  const findings = [
    finding({ policyId: 'd' }),
    finding({ policyId: 'w', action: 'warn' }),
    finding({ policyId: 'a', action: 'audit' }),
    finding({ policyId: 'e', kind: 'error', action: 'warn' }),
    finding({ policyId: 'ed', kind: 'error', action: 'deny' }),
  ];
  const enforce = decide({ mode: 'enforce', findings });
  t.equal(enforce.outcome, 'denied');
  t.same(enforce.denied.map((f) => f.policyId), ['d', 'ed'], 'deny-level findings, a broken fail-closed policy among them');
  t.same(enforce.wouldDeny, []);
  t.same(enforce.warned.map((f) => f.policyId), ['w'], 'warn-level violations only');
  t.same(enforce.audited.map((f) => f.policyId), ['a']);
  t.same(enforce.errors.map((f) => f.policyId), ['e', 'ed'], 'policy errors whatever their action');

  const audit = decide({ mode: 'audit', findings });
  t.equal(audit.outcome, 'would_deny');
  t.same(audit.denied, [], 'nothing denied in audit mode');
  t.same(audit.wouldDeny.map((f) => f.policyId), ['d', 'ed']);

  t.equal(decide({ mode: 'enforce', findings: [finding({ action: 'warn' })] }).outcome, 'allowed');
  const exempt = decide({ mode: 'enforce', findings: [], exemptBy: 'namespace kube-system' });
  t.equal(exempt.outcome, 'exempt');
  t.equal(exempt.exemptBy, 'namespace kube-system');
  t.equal(exempt.allowed, true);
});
