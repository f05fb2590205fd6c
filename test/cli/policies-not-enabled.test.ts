/**
 * A user policy that loads but that the active profile leaves out judges nothing: `scan`, `audit` and
 * `serve` (and `fix`) say so when they load it, and `policies new` scaffolds policies that the default profile
 * (`recommended`) runs, unless `--not-in-recommended`. The real CLI runs as a process on real files.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const PRIVILEGED = 'apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: team }\nspec:\n  containers: [{ name: app, image: "registry.example/app:1.0", securityContext: { privileged: true } }]\n';
type JsonReport = { objects: { findings: { policyId: string }[] }[] };
const ids = (stdout: string) => (JSON.parse(stdout) as JsonReport).objects.flatMap((o) => o.findings.map((f) => f.policyId));

t.test('policies new: in the recommended profile by default, so a scan on the default profile runs it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-not-enabled-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const made = await runCli(['policies', 'new', 'team/in-recommended', '--dir', dir]);
  t.equal(made.code, 0, made.stderr);
  t.match(await readFile(join(dir, 'team', 'in-recommended', 'policy.ts'), 'utf8'), /recommended: 'warn',/);
  const r = await runCli(['scan', '-', '--policy-dir', dir, '-o', 'json'], { stdin: PRIVILEGED });
  t.equal(r.code, 1, 'the built-in privileged check denies');
  t.ok(ids(r.stdout).includes('in-recommended'), 'the new policy judged the pod');
  t.notMatch(r.stderr, /loaded but not enabled/);
  const yaml = await runCli(['policies', 'new', 'team/yaml-one', '--dir', dir, '--format', 'yaml']);
  t.equal(yaml.code, 0, yaml.stderr);
  t.match(await readFile(join(dir, 'team', 'yaml-one', 'policy.yaml'), 'utf8'), /^recommended: warn$/m);
  const tested = await runCli(['policies', 'test', dir]);
  t.match(tested.stdout, /^4 passed, 0 failed$/m, 'the scaffolded policies pass their own fixtures');
});

t.test('a user policy the profile leaves out is reported by scan, fix, audit and serve', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-not-enabled-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.equal((await runCli(['policies', 'new', 'team/left-out', '--dir', dir, '--not-in-recommended'])).code, 0);
  t.equal((await runCli(['policies', 'new', 'team/also-left-out', '--dir', dir, '--not-in-recommended', '--target', 'object'])).code, 0);
  t.notMatch(await readFile(join(dir, 'team', 'left-out', 'policy.ts'), 'utf8'), /recommended:/);

  const scan = await runCli(['scan', '-', '--policy-dir', dir, '-o', 'json'], { stdin: PRIVILEGED });
  t.equal(scan.code, 1);
  t.notOk(ids(scan.stdout).includes('left-out'), 'not run');
  t.match(scan.stderr, /^warning: loaded but not enabled: also-left-out, left-out \(profile "recommended" leaves them out\); enable them with .*policies: \{ also-left-out: \{ enabled: true \} \}.*--profile all$/m);

  const all = await runCli(['scan', '-', '--policy-dir', dir, '--profile', 'all', '-o', 'json'], { stdin: PRIVILEGED });
  t.ok(ids(all.stdout).includes('left-out'), 'profile all runs it');
  t.notMatch(all.stderr, /loaded but not enabled/, 'and then nothing is said');

  const dir2 = await mkdtemp(join(tmpdir(), 'kp-not-enabled-fix-'));
  t.teardown(() => rm(dir2, { recursive: true, force: true }));
  await writeFile(join(dir2, 'pod.yaml'), PRIVILEGED);
  const fix = await runCli(['fix', join(dir2, 'pod.yaml'), '--policy-dir', dir]);
  t.match(fix.stderr, /^warning: loaded but not enabled: also-left-out, left-out /m, 'fix says it too');

  // audit says it at load time, before it reaches for a cluster (here there is none to reach).
  const audit = await runCli(['audit', '--policy-dir', dir, '--kubeconfig', join(dir, 'no-such-kubeconfig')]);
  t.equal(audit.code, 2, 'no cluster');
  t.match(audit.stderr, /^warning: loaded but not enabled: also-left-out, left-out /m);

  const certs = await mkdtemp(join(tmpdir(), 'kp-not-enabled-certs-'));
  t.teardown(() => rm(certs, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--dev-cert-dir', certs, '--policy-dir', dir, '--cluster-context', 'off', '--reload-interval', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 600 && !out.includes('webhook listening'); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  await exited;
  const line = out.split('\n').find((l) => l.includes('loaded but not enabled'));
  t.ok(line, 'serve logs it');
  const entry = JSON.parse(line ?? '{}') as { level?: string; policies?: string[]; msg?: string };
  t.same(entry.policies, ['also-left-out', 'left-out']);
  t.equal(entry.level, 'warn', 'a warning');
});
