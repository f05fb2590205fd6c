import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The build copies what the compiled library needs next to it: declarative policies and fixtures
// (so `kube-posture policies test` works on an installed copy), not TypeScript sources or docs.
t.test('the build copies declarative policies and fixtures into dist/policies, not sources', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kp-assets-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const policy = join(dir, 'policies', 'workload', 'example');
  mkdirSync(join(policy, 'fixtures', 'pass'), { recursive: true });
  mkdirSync(join(policy, 'fixtures', 'fail'), { recursive: true });
  const files: Record<string, string> = { 'policy.yaml': 'id: example\n', 'policy.ts': 'export default {};\n', 'README.md': '# x\n', 'fixtures/pass/ok.yaml': 'kind: Pod\n', 'fixtures/fail/bad.yaml': 'kind: Pod\n' };
  for (const [file, text] of Object.entries(files)) writeFileSync(join(policy, file), text);
  execFileSync(process.execPath, [resolve('scripts/copy-policy-assets.mjs')], { cwd: dir });
  const out = join(dir, 'dist', 'policies', 'workload', 'example');
  t.ok(existsSync(join(out, 'policy.yaml')), 'declarative policy copied');
  t.ok(existsSync(join(out, 'fixtures', 'pass', 'ok.yaml')), 'pass fixture copied');
  t.ok(existsSync(join(out, 'fixtures', 'fail', 'bad.yaml')), 'fail fixture copied');
  t.notOk(existsSync(join(out, 'policy.ts')), 'TypeScript is compiled, not copied');
  t.notOk(existsSync(join(out, 'README.md')), 'docs are not copied');
});

// The HTML report reads its stylesheet and page script at run time, beside the compiled renderer.
t.test('the build copies the HTML report assets beside the compiled renderer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kp-assets-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const assets = join(dir, 'src', 'reporters', 'html', 'assets');
  mkdirSync(assets, { recursive: true });
  writeFileSync(join(assets, 'page.js'), '(function () {})();\n');
  writeFileSync(join(assets, 'page.css'), 'body {}\n');
  execFileSync(process.execPath, [resolve('scripts/copy-policy-assets.mjs')], { cwd: dir });
  const out = join(dir, 'dist', 'src', 'reporters', 'html', 'assets');
  t.ok(existsSync(join(out, 'page.js')), 'page script copied');
  t.ok(existsSync(join(out, 'page.css')), 'stylesheet copied');
});
