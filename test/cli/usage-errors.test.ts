/** Every usage error is exit 2 with one line on stderr and no stack trace; the real CLI runs as a process. */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KP_CONFIG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
const kp = (...args: string[]) => run('node', [...CLI, ...args]);

const oneLine = (t: Test, stderr: string, pattern: RegExp, what: string) => {
  t.equal(stderr.trimEnd().split('\n').length, 1, `${what}: one line (${JSON.stringify(stderr)})`);
  t.match(stderr, pattern, what);
  t.notMatch(stderr, /\n\s+at /, `${what}: no stack trace`);
};

t.test('bad arguments and options: exit 2, one line', async (t) => {
  const cases: [string[], RegExp][] = [
    [['policies', 'new', 'bad_id'], /expected <category>\/<id> .*got "bad_id"/],
    [['policies', 'new', 'a/b/c'], /expected <category>\/<id> .*got "a\/b\/c"/],
    [['policies', 'new', 'x/good-id', '--format', 'xml'], /argument 'xml' is invalid\. Allowed choices are ts, yaml/],
    [['policies', 'new', 'x/good-id', '--target', 'foo'], /argument 'foo' is invalid\. Allowed choices are pod, object/],
    [['policies', 'test', '/nonexistent'], /policy directory \/nonexistent does not exist/],
    [['policies', 'list', '-o', 'yaml'], /argument 'yaml' is invalid\. Allowed choices are table, json/],
    [['scan', '-o', 'xml', 'x.yaml'], /unknown output format "xml"/],
  ];
  for (const [args, pattern] of cases) {
    const r = await kp(...args);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    oneLine(t, r.stderr, pattern, args.join(' '));
  }
});

t.test('--version prints the version', async (t) => {
  const r = await kp('--version');
  t.equal(r.code, 0);
  t.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
});

t.test('a reader that closes the pipe early (policies list | head -1) ends the command quietly', async (t) => {
  const r = await run('bash', ['-c', `node ${CLI.join(' ')} policies list | head -1; echo "status=\${PIPESTATUS[0]}" >&2`]);
  t.equal(r.stdout.split('\n').filter((l) => l !== '').length, 1);
  t.match(r.stderr, /^status=0\n$/, 'no EPIPE error, no stack trace, exit 0');
});

t.test('serve with a bad configuration: exit 2, every problem once with its line, no "previous configuration keeps serving"', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-usage-'));
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'mode: block\nprofiel: x\nevaluation:\n  timeoutMs: -5\n');
  const r = await kp('serve', '--config', bad, '--port', '0', '--cluster-context', 'off', '--dev-cert-dir', dir);
  t.equal(r.code, 2);
  t.match(r.stderr, `${bad}:1: mode: must be one of`);
  t.match(r.stderr, `${bad}:2: profiel: unknown key "profiel"`);
  t.match(r.stderr, `${bad}:4: evaluation.timeoutMs: must be >= 1`);
  t.notMatch(r.stderr, /\[KP_ERR_CONFIG_INVALID\] \[KP_ERR_CONFIG_INVALID\]/, 'each code once');
  t.notMatch(r.stdout + r.stderr, /previous configuration keeps serving/, 'nothing was serving');
  t.match(r.stdout, /configuration rejected; nothing is serving/);

  const unknown = join(dir, 'unknown.yaml');
  await writeFile(unknown, 'policies:\n  no-such-policy: { action: deny }\n  disallow-latest-tag: { parameters: { nope: 1 } }\nprofile: nonesuch\n');
  const u = await kp('serve', '--config', unknown, '--port', '0', '--cluster-context', 'off', '--dev-cert-dir', dir);
  t.equal(u.code, 2);
  t.match(u.stderr, `${unknown}:4: profile: unknown profile "nonesuch"`);
  t.match(u.stderr, `${unknown}:2: policies.no-such-policy: unknown policy "no-such-policy"`);
  t.match(u.stderr, `${unknown}:3: policies.disallow-latest-tag.parameters: this policy takes no parameters`);
});

t.test('every configuration problem in one pass, each with its line: schema problems and unknown policies together', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-usage-'));
  const config = join(dir, 'mixed.yaml');
  await writeFile(config, 'mode: block\nprofiel: x\npolicies:\n  no-such-policy: { action: deny }\n  pss-privileged: { action: nope }\n');
  for (const args of [['scan', '--config', config, config], ['serve', '--config', config, '--port', '0', '--cluster-context', 'off', '--dev-cert-dir', dir]]) {
    const r = await kp(...args);
    t.equal(r.code, 2, `${args[0]}: exit 2`);
    t.match(r.stderr, `${config}:1: mode: must be one of`, args.join(' '));
    t.match(r.stderr, `${config}:2: profiel: unknown key "profiel"`, args.join(' '));
    t.match(r.stderr, `${config}:5: policies.pss-privileged.action: must be one of`, args.join(' '));
    t.match(r.stderr, `${config}:4: policies.no-such-policy: unknown policy "no-such-policy"`, args.join(' '));
  }
});

t.test('serve with the VulnerabilityReport cache enabled but no cluster, or a bad cache size: exit 2, said why', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-usage-'));
  const config = join(dir, 'vuln.yaml');
  await writeFile(config, 'vulnerabilities:\n  webhookCache: { enabled: true }\n');
  const off = await kp('serve', '--config', config, '--port', '0', '--cluster-context', 'off', '--dev-cert-dir', dir);
  t.equal(off.code, 2);
  t.match(off.stderr, /vulnerabilities\.webhookCache is enabled but --cluster-context is off/);
  t.notMatch(off.stdout, /webhook listening/, 'it never serves without the results it was told to use');
  const size = join(dir, 'size.yaml');
  await writeFile(size, 'vulnerabilities:\n  webhookCache:\n    enabled: true\n    maxImages: 0\n');
  const bad = await kp('serve', '--config', size, '--port', '0', '--cluster-context', 'off', '--dev-cert-dir', dir);
  t.equal(bad.code, 2);
  t.match(bad.stderr, `${size}:4: vulnerabilities.webhookCache.maxImages: must be >= 1`);
});
