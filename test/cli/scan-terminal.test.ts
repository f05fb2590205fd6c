/**
 * What only a terminal gets, through the real CLI on real files: colour and the progress line. Terminals
 * are real pseudo-terminals (`script` from util-linux), not a faked isTTY.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from '../helpers/cli.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ESC = '\x1b[';

/** The environment without any colour preference of the test runner's own. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.NO_COLOR;
  delete e.FORCE_COLOR;
  delete e.TAP_COLOR;
  return { ...e, TERM: 'xterm', ...extra };
}

/** Runs the CLI inside a pseudo-terminal: stdout and stderr both are the terminal; returns what it showed. */
function inTerminal(args: string[], extra: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, '--import', TSX, MAIN, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    const child = execFile('script', ['-qec', cmd, '/dev/null'], { env: env(extra), maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, output: stdout });
    });
    child.stdin?.end();
  });
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


t.test('colour: on a terminal only; NO_COLOR, --no-color and FORCE_COLOR respected', async (t) => {
  const dir = t.testdir({ 'p.yaml': pod('denied', { securityContext: { privileged: true } }) });
  const file = join(dir, 'p.yaml');
  const tty = await inTerminal(['scan', file]);
  t.equal(tty.code, 1);
  t.match(tty.output, /\x1b\[1;31mDENIED\x1b\[22;39m/, 'a terminal gets colour');
  t.notOk((await inTerminal(['scan', file], { NO_COLOR: '1' })).output.includes(ESC + '1;31m'), 'NO_COLOR switches it off');
  t.notOk((await inTerminal(['scan', file, '--no-color'])).output.includes(ESC + '1;31m'), '--no-color switches it off');
  t.notOk((await inTerminal(['scan', file], { TERM: 'dumb' })).output.includes(ESC + '1;31m'), 'a dumb terminal gets none');
  const forced = await runCli(['scan', file], { env: env({ FORCE_COLOR: '1' }) });
  t.ok(forced.stdout.includes(`${ESC}1;31mDENIED`), 'FORCE_COLOR colours a pipe');
  t.notOk((await runCli(['scan', file, '--no-color'], { env: env({ FORCE_COLOR: '1' }) })).stdout.includes(ESC), '--no-color wins over FORCE_COLOR');
  const json = await inTerminal(['scan', file, '-o', 'json']);
  t.notOk(json.output.includes(ESC), 'machine formats never carry colour, even on a terminal');
});

t.test('a progress line on a terminal for a long scan, never in a pipe', async (t) => {
  // The input is streamed, so the line counts objects (the total is known only at the end), from the 1000th on.
  const docs = Array.from({ length: 1500 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c${i}, namespace: team }\ndata: { k: v }\n`);
  const dir = t.testdir({ 'many.yaml': docs.join('---\n'), 'small.yaml': docs.slice(0, 999).join('---\n') });
  const tty = await inTerminal(['scan', join(dir, 'many.yaml'), '--fail-on', 'never']);
  t.equal(tty.code, 0);
  t.match(tty.output, /\r\x1b\[Kkube-posture: scanned 1200 objects/, 'progress shown on the terminal');
  t.match(tty.output, /scanned 1500 objects\r\x1b\[K/, 'the last line shown is erased when the scan ends');
  t.notOk((await inTerminal(['scan', join(dir, 'small.yaml'), '--fail-on', 'never'])).output.includes('kube-posture: scanned'), 'a short scan shows none');
  const piped = await runCli(['scan', join(dir, 'many.yaml'), '--fail-on', 'never'], { env: env() });
  t.equal(piped.code, 0);
  t.notMatch(piped.stderr, /scanned \d+/, 'no progress into a pipe or a CI log');
});
