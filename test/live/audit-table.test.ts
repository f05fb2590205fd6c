/**
 * `audit`'s table options (`--show`, `--min-severity`, `--no-color`), the real CLI against the fake API
 * server: the same options as `scan` (one definition, `addTableOptions`), the same meaning (they filter
 * the lines, never the exit code), colour only on a real terminal (a pseudo-terminal from `script`),
 * and `--what-if`, which prints its own list, refuses the filters and never colours.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FakeObject } from '../helpers/fake-apiserver.js';
import { audit, fakeCluster } from '../helpers/audit-run.js';
import { runCli } from '../helpers/cli.js';

const ESC = '\x1b[';
const OBJECTS: FakeObject[] = [
  { resource: 'namespaces', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: 'ns-shop' } } },
  // A deny (pss-privileged, critical) and warnings of every severity (latest tag, probes, limits, ...).
  { resource: 'pods', namespace: 'shop', object: { metadata: { name: 'root', namespace: 'shop', uid: 'p1' }, spec: { containers: [{ name: 'app', image: 'nginx:latest', securityContext: { privileged: true } }] } } },
  // Warnings only.
  { resource: 'pods', namespace: 'shop', object: { metadata: { name: 'loose', namespace: 'shop', uid: 'p2' }, spec: { containers: [{ name: 'app', image: 'nginx:latest' }] } } },
];

/** The environment without any colour preference of the test runner's own. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.NO_COLOR;
  delete e.FORCE_COLOR;
  delete e.TAP_COLOR;
  return { ...e, TERM: 'xterm', KUBECONFIG: '', ...extra };
}

/** `audit` inside a pseudo-terminal (standard output is a terminal); returns what it showed. */
function inTerminal(kubeconfig: string, args: string[], extra: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = ['node', '--import', 'tsx', 'src/cli/main.ts', 'audit', '--kubeconfig', kubeconfig, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    const child = execFile('script', ['-qec', cmd, '/dev/null'], { env: env(extra), maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, output: stdout });
    });
    child.stdin?.end();
  });
}

t.test('audit --show and --min-severity filter the table as in scan, never the exit code; bad values are usage errors before any cluster access', async (t) => {
  const { api, kubeconfig } = await fakeCluster(t, OBJECTS);
  const all = await audit(kubeconfig, ['--fail-on', 'warn'], { env: env() });
  t.equal(all.code, 1, all.stderr);
  t.match(all.stdout, /^DENIED Pod shop\/root/m);
  t.match(all.stdout, /^WARNED Pod shop\/loose/m);
  t.notOk(all.stdout.includes(ESC), 'no colour into a pipe');

  const deny = await audit(kubeconfig, ['--fail-on', 'warn', '--show', 'deny'], { env: env() });
  t.equal(deny.code, 1, '--fail-on warn still fails when --show deny hides every warning');
  t.match(deny.stdout, /^DENIED Pod shop\/root/m);
  t.match(deny.stdout, /^ {2}DENY +critical pss-privileged/m);
  t.notMatch(deny.stdout, /^ {2}WARN /m, 'no warning is listed');
  t.notMatch(deny.stdout, /Pod shop\/loose/, 'an object with only warnings is not listed');
  t.match(deny.stdout, /\d+ finding\(s\) not shown \(--show deny\); they still count for the exit code/);

  const sev = await audit(kubeconfig, ['--min-severity', 'critical'], { env: env() });
  t.equal(sev.code, 1, 'the privileged pod is still denied');
  t.match(sev.stdout, /pss-privileged/);
  t.notMatch(sev.stdout, /^ {2}WARN /m, 'no finding below critical is listed (the summary by policy still counts them all)');
  t.match(sev.stdout, /not shown \(--min-severity critical\)/);

  const warnOnly = await audit(kubeconfig, ['--show', 'warn', '--fail-on', 'never'], { env: env() });
  t.equal(warnOnly.code, 0, '--fail-on never: exit 0 whatever is shown');
  t.match(warnOnly.stdout, /^WARNED Pod shop\/loose/m, 'warn lists deny and warn findings');

  const json = JSON.parse((await audit(kubeconfig, ['-o', 'json', '--show', 'deny', '--min-severity', 'critical'], { env: env() })).stdout) as { objects: { name: string; findings: { policyId: string }[] }[] };
  t.ok(json.objects.find((o) => o.name === 'loose')?.findings.some((f) => f.policyId === 'disallow-latest-tag'), 'JSON carries every finding, as in scan');

  const before = api.requests.length;
  for (const bad of [['--show', 'some'], ['--min-severity', 'urgent']]) {
    const r = await audit(kubeconfig, bad, { env: env() });
    t.equal(r.code, 2, `${bad.join(' ')} is a usage error`);
    t.match(r.stderr, new RegExp(`^kube-posture audit: ${bad[0]} must be `, 'm'));
    t.equal(r.stdout, '');
  }
  t.equal(api.requests.length, before, 'refused before the cluster is asked anything');
});

t.test('audit colours its table on a terminal only: NO_COLOR, --no-color, TERM=dumb and files get none', async (t) => {
  const { kubeconfig, dir } = await fakeCluster(t, OBJECTS);
  const tty = await inTerminal(kubeconfig, []);
  t.equal(tty.code, 1, tty.output);
  t.match(tty.output, /\x1b\[1;31mDENIED\x1b\[22;39m/, 'a terminal gets colour');
  t.notOk((await inTerminal(kubeconfig, [], { NO_COLOR: '1' })).output.includes(ESC), 'NO_COLOR switches it off');
  t.notOk((await inTerminal(kubeconfig, ['--no-color'])).output.includes(ESC), '--no-color switches it off');
  t.notOk((await inTerminal(kubeconfig, [], { TERM: 'dumb' })).output.includes(ESC), 'a dumb terminal gets none');
  const filtered = await inTerminal(kubeconfig, ['--show', 'deny']);
  t.match(filtered.output, /\x1b\[1;31mDENIED/, 'filters and colour together');
  t.notMatch(filtered.output, /WARNED/);
  const forced = await audit(kubeconfig, [], { env: env({ FORCE_COLOR: '1' }) });
  t.ok(forced.stdout.includes(`${ESC}1;31mDENIED`), 'FORCE_COLOR colours a pipe');
  t.notOk((await audit(kubeconfig, ['--no-color'], { env: env({ FORCE_COLOR: '1' }) })).stdout.includes(ESC), '--no-color wins over FORCE_COLOR');
  const file = join(dir, 'table.txt');
  const toFile = await inTerminal(kubeconfig, ['--output-file', file]);
  t.equal(toFile.code, 1);
  const written = await readFile(file, 'utf8');
  t.match(written, /^DENIED Pod shop\/root/m);
  t.notOk(written.includes(ESC), '--output-file gets no colour, even from a terminal');
  t.notOk((await inTerminal(kubeconfig, ['-o', 'json'])).output.includes(ESC), 'machine formats never carry colour');
});

t.test('audit --what-if: --show and --min-severity are refused (it lists objects, not findings); it never colours', async (t) => {
  const { api, kubeconfig } = await fakeCluster(t, OBJECTS);
  const before = api.requests.length;
  for (const opt of [['--show', 'deny'], ['--min-severity', 'high']]) {
    const r = await audit(kubeconfig, ['--what-if', 'profile=pss-restricted', ...opt], { env: env() });
    t.equal(r.code, 2, `${opt[0]} with --what-if is a usage error`);
    t.match(r.stderr, /--show and --min-severity filter the findings table; --what-if prints its own list/);
  }
  t.equal(api.requests.length, before, 'refused before the cluster is asked anything');
  const tty = await inTerminal(kubeconfig, ['--what-if', 'profile=pss-restricted']);
  t.equal(tty.code, 1, tty.output);
  t.match(tty.output, /What if profile=pss-restricted/);
  t.notOk(tty.output.includes(ESC), 'no colour, even on a terminal');
  const noColor = await audit(kubeconfig, ['--what-if', 'profile=pss-restricted', '--no-color'], { env: env() });
  t.equal(noColor.code, 1, '--no-color is accepted');
  t.match(noColor.stdout, /What if profile=pss-restricted/);
});

t.test('scan and audit offer the table options with the same names and help', async (t) => {
  const block = (help: string) => {
    const text = help.replace(/\s+/g, ' ');
    return text.slice(text.indexOf('--show <which>'), text.indexOf(' --', text.indexOf('--no-color') + 1));
  };
  const scan = await runCli(['scan', '--help']);
  const audit = await runCli(['audit', '--help']);
  t.match(block(scan.stdout), /^--show <which> table: .* --min-severity <level> table: .* --no-color no colour in the table .*FORCE_COLOR=1 forces it into a pipe\)$/);
  t.equal(block(audit.stdout), block(scan.stdout));
});
