/**
 * The bundled CLI (scripts/bundle.ts, the last step of `npm run build`; what bin/kube-posture.js and
 * the image run) behaves as the source does: the same findings, the same policies, its version, its
 * report assets; and it takes the built-in policies from its own file rather than loading each module.
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli, type CliRun } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT = join(ROOT, 'dist', `bundle-test-${process.pid}`);

function runBundle(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(OUT, 'main.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr }));
  });
}

/** What a scan found, without what differs by layout (policy file paths, the time). */
function findingsOf(json: string): string[] {
  const doc = JSON.parse(json) as { objects: { kind: string; name: string; line: number; findings: { policyId: string; line?: number; message: string }[] }[] };
  return doc.objects.flatMap((o) => o.findings.map((f) => `${o.kind}/${o.name}:${o.line} ${f.policyId}@${f.line ?? ''} ${f.message}`)).sort();
}

t.before(() => {
  // The build's other steps this one relies on: the schema policies and report assets under dist/.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'copy-policy-assets.mjs')], { cwd: ROOT });
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bundle.ts'), OUT], { cwd: ROOT, stdio: 'ignore' });
});
t.teardown(() => rmSync(OUT, { recursive: true, force: true }));

t.test('the bundle scans as the source does', async (t) => {
  const file = join(ROOT, 'test', 'fixtures', 'manifests', 'app.yaml');
  const [bundled, source] = await Promise.all([runBundle(['scan', file, '-o', 'json']), runCli(['scan', file, '-o', 'json'], { cwd: ROOT })]);
  t.equal(bundled.code, source.code, `exit code (${bundled.stderr})`);
  t.not(bundled.code, 2, 'the scan ran');
  const found = findingsOf(bundled.stdout);
  t.ok(found.length > 0, `${found.length} findings`);
  t.same(found, findingsOf(source.stdout), 'the same findings, lines and messages');
});

t.test('the bundle has every policy the source has, and its version', async (t) => {
  const ids = (r: CliRun) => (JSON.parse(r.stdout) as { id: string }[]).map((p) => p.id).sort();
  const [bundled, source] = await Promise.all([runBundle(['policies', 'list', '-o', 'json']), runCli(['policies', 'list', '-o', 'json'], { cwd: ROOT })]);
  t.equal(bundled.code, 0, bundled.stderr);
  t.ok(ids(bundled).length >= 80, `${ids(bundled).length} policies`);
  t.same(ids(bundled), ids(source));
  const version = await runBundle(['--version']);
  t.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
});

t.test('the built-in policy modules come from the bundle itself, not one import each', async (t) => {
  const file = join(ROOT, 'test', 'fixtures', 'manifests', 'app.yaml');
  const r = await runBundle(['scan', file, '--fail-on', 'never'], { ...process.env, NODE_DEBUG: 'esm' });
  t.equal(r.code, 0, r.stderr.slice(-2000));
  const loaded = [...r.stderr.matchAll(/Storing (file:\S+)/g)].map((m) => m[1]!);
  t.ok(loaded.some((u) => u.includes(`/bundle-test-${process.pid}/main.js`)), 'the debug log names the modules loaded');
  t.same(loaded.filter((u) => /\/policies\/.*policy\.js/.test(u)), [], 'no policy module loaded from dist/policies');
  t.same(loaded.filter((u) => u.includes('/dist/src/')), [], 'nothing loaded from the unbundled build');
});

t.test('the bundle finds its HTML report assets', async (t) => {
  const file = join(ROOT, 'test', 'fixtures', 'manifests', 'app.yaml');
  const saved = join(OUT, 'scan.json');
  const scan = await runBundle(['scan', file, '-o', 'json', '--fail-on', 'never']);
  t.equal(scan.code, 0, scan.stderr);
  writeFileSync(saved, scan.stdout);
  const html = await runBundle(['report', saved, '-o', 'html']);
  t.equal(html.code, 0, html.stderr);
  const css = readFileSync(join(ROOT, 'src', 'reporters', 'html', 'assets', 'page.css'), 'utf8');
  t.ok(html.stdout.includes(css.trim().slice(0, 200)), 'the stylesheet is inlined');
});
