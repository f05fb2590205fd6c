/**
 * The scan's output as a person or a pipeline meets it, through the real CLI on real files: the table
 * grouped and ordered, --show and --min-severity (display only), composed profiles. Colour and progress:
 * scan-terminal.test.ts.
 */
import t from 'tap';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const ESC = '\x1b[';

/** The environment without any colour preference of the test runner's own. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.NO_COLOR;
  delete e.FORCE_COLOR;
  delete e.TAP_COLOR;
  return { ...e, TERM: 'xterm', ...extra };
}

const pod = (name: string, container: Record<string, unknown>, extra = '') => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: team, labels: { app: ${name} } }
spec:
  automountServiceAccountToken: false
  serviceAccountName: ${name}
  securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }
  containers:
    - ${JSON.stringify({ name: 'app', image: 'registry.example.com/app:1.0', resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } }, livenessProbe: { tcpSocket: { port: 80 } }, readinessProbe: { tcpSocket: { port: 80 } }, ...container })}
${extra}`;


t.test('the table: the worst object first, labels say what happened, a summary by policy and severity', async (t) => {
  const dir = t.testdir({
    'm.yaml': [
      pod('warned', { securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true } }),
      pod('denied', { securityContext: { privileged: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } }),
    ].join('---\n'),
  });
  const r = await runCli(['scan', join(dir, 'm.yaml')], { env: env() });
  t.equal(r.code, 1, r.stderr);
  t.notMatch(r.stdout, /^ok /m, 'no object with findings is labelled ok');
  const denied = r.stdout.indexOf('DENIED Pod team/denied');
  const warned = r.stdout.indexOf('WARNED Pod team/warned');
  t.ok(denied >= 0 && warned > denied, 'the denied object comes first though it is second in the file');
  const block = r.stdout.slice(denied, warned);
  t.ok(block.indexOf('DENY ') < block.indexOf('WARN '), 'in an object, deny findings come before warnings');
  t.match(r.stdout, /By policy \(findings\):\n {2}pss-privileged +critical 1 deny\n/, 'by policy, the denying one first');
  t.match(r.stdout, /pss-capabilities-restricted +medium +1 warn/);
  t.match(r.stdout, /By severity: critical 1, /);
  t.notOk(r.stdout.includes(ESC), 'no colour into a pipe');

  const audit = await runCli(['scan', join(dir, 'm.yaml'), '--mode', 'audit'], { env: env() });
  t.equal(audit.code, 0);
  t.match(audit.stdout, /^would deny Pod team\/denied/m, 'audit mode: would deny, never DENIED');
});

t.test('--show and --min-severity filter what is listed, never the exit code', async (t) => {
  const dir = t.testdir({ 'w.yaml': pod('warned', { securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true } }) });
  const file = join(dir, 'w.yaml');
  const all = await runCli(['scan', file, '--fail-on', 'warn'], { env: env() });
  t.equal(all.code, 1);
  t.match(all.stdout, /WARNED Pod team\/warned/);
  const deny = await runCli(['scan', file, '--fail-on', 'warn', '--show', 'deny'], { env: env() });
  t.equal(deny.code, 1, '--fail-on warn still fails when --show deny hides every warning');
  t.notMatch(deny.stdout, /WARNED Pod/);
  t.match(deny.stdout, /\d+ finding\(s\) not shown \(--show deny\); they still count for the exit code/);
  const sev = await runCli(['scan', file, '--fail-on', 'warn', '--min-severity', 'critical'], { env: env() });
  t.equal(sev.code, 1);
  t.notMatch(sev.stdout, /WARNED Pod/);
  t.match(sev.stdout, /not shown \(--min-severity critical\)/);
  const medium = await runCli(['scan', file, '--min-severity', 'medium'], { env: env() });
  t.match(medium.stdout, /pss-capabilities-restricted/, 'medium findings are listed at --min-severity medium');
  t.notMatch(medium.stdout, /^ {2}WARN +low /m, 'low ones are not');
  for (const bad of [['--show', 'some'], ['--min-severity', 'urgent']]) {
    const r = await runCli(['scan', file, ...bad], { env: env() });
    t.equal(r.code, 2, `${bad.join(' ')} is a usage error`);
    t.match(r.stderr, new RegExp(`${bad[0]} must be`));
  }
});

t.test('profiles compose: the union, the stricter action wins, on the command line and in the file', async (t) => {
  // Only restricted-level problems: recommended warns on them, pss-restricted denies them.
  const dir = t.testdir({
    'r.yaml': pod('restricted', { securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true } }),
    'c.yaml': 'profile: recommended, pss-restricted\n',
    'bad.yaml': 'profile: recommended,strict\n',
  });
  const file = join(dir, 'r.yaml');
  const rec = await runCli(['scan', file, '--profile', 'recommended'], { env: env() });
  t.equal(rec.code, 0, 'recommended: restricted checks warn');
  t.match(rec.stdout, /WARN +medium +pss-capabilities-restricted/);
  const both = await runCli(['scan', file, '--profile', 'recommended,pss-restricted'], { env: env() });
  t.equal(both.code, 1, 'with pss-restricted they deny');
  t.match(both.stdout, /DENY +medium +pss-capabilities-restricted/);
  t.match(both.stdout, /WARN .*require-labels|WARN .*disallow-default-service-account|WARN .*netpol-/, 'recommended-only policies still run');
  const restrictedOnly = await runCli(['scan', file, '--profile', 'pss-restricted', '-o', 'json'], { env: env() });
  const ids = new Set((JSON.parse(restrictedOnly.stdout) as { objects: { findings: { policyId: string }[] }[] }).objects.flatMap((o) => o.findings.map((f) => f.policyId)));
  t.ok([...ids].every((id) => id.startsWith('pss-')), `pss-restricted alone holds only Pod Security checks: ${[...ids].join(', ')}`);
  const fromFile = await runCli(['scan', file, '--config', join(dir, 'c.yaml')], { env: env() });
  t.equal(fromFile.code, 1, 'the configuration file composes too');
  t.match(fromFile.stdout, /DENY +medium +pss-capabilities-restricted/);
  const bad = await runCli(['scan', file, '--config', join(dir, 'bad.yaml')], { env: env() });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /unknown profile "strict"/);
});
