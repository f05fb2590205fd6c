/**
 * The configuration example in docs/configuration.md must load against the real library: a renamed
 * policy or parameter makes this fail rather than leaving the docs wrong. The README's scan example,
 * run exactly as written (only the manifest path and the output file replaced), must write a SARIF file
 * and nothing else: no npm banner in the redirected output.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseConfig } from '../../src/config/load-config.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';

t.test('docs/configuration.md example is a valid configuration for the built-in library', async (t) => {
  const doc = readFileSync('docs/configuration.md', 'utf8');
  const block = /```yaml\n(profile:[\s\S]*?)```/.exec(doc)?.[1];
  t.ok(block, 'the example block is there');
  const config = parseConfig(block ?? '', 'docs/configuration.md');
  const set = await buildPolicySet(config);
  t.ok(set.engine.policies.size > 50);
  t.ok(!set.engine.enabled.some((e) => e.id === 'rbac-no-secrets-read'), 'enabled: false switches a policy off');
  t.equal(set.engine.policies.get('allowed-image-registries')?.params.allowedRegistries?.toString(), 'registry.example.com');
  // The example must not exempt everything: a privileged pod in an ordinary namespace is still denied.
  const { evaluate, decide, inputFromObject } = await import('../../src/core/index.js');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'a', image: 'registry.example.com/a:1', securityContext: { privileged: true } }] } };
  const r = evaluate(inputFromObject(pod, { namespaceLabels: { 'kubernetes.io/metadata.name': 'shop' } }), set.registry, set.engine);
  t.equal(r.exemptBy, undefined);
  t.equal(decide(r).allowed, false);
});

t.test('README scan example: the redirected output is a SARIF document, nothing else', async (t) => {
  const readme = readFileSync('README.md', 'utf8');
  const command = /^ {4}(npm .*\bscan path\/to\/manifests -o sarif > (\S+))$/m.exec(readme);
  t.ok(command, 'the README shows the scan command with -o sarif redirected to a file');
  if (!command) return;
  const [, line, outFile] = command as unknown as [string, string, string];
  const dir = t.testdir({});
  const manifests = resolve('test/fixtures/manifests');
  const sarifFile = join(dir, outFile);
  const run = line.replace('path/to/manifests', manifests).replace(`> ${outFile}`, `> ${sarifFile}`);
  const code = await new Promise<number>((done) => {
    execFile('sh', ['-c', run], { timeout: 150_000 }, (err) => done(err ? Number((err as { code?: unknown }).code ?? -1) : 0));
  });
  t.equal(code, 1, 'exit 1: the example manifests hold objects that would be denied');
  const text = readFileSync(sarifFile, 'utf8');
  t.equal(text.trimStart()[0], '{', 'the file starts with the JSON document (no npm banner)');
  const sarif = JSON.parse(text) as { version: string; runs: { tool: { driver: { name: string } }; results: unknown[] }[] };
  t.equal(sarif.version, '2.1.0');
  t.equal(sarif.runs[0]?.tool.driver.name, 'kube-posture');
  t.ok((sarif.runs[0]?.results.length ?? 0) > 0, 'with results');
});
