/**
 * `scan` never passes silently: typed lists, YAML as kubectl reads it, documents that are not objects,
 * empty input, files named whatever, kinds nothing inspects. The real CLI runs as a process on real files.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/policies.js';

const POLICIES = join(FIXTURES, 'user-policies', 'good');
const IN = join(FIXTURES, 'scan-input');
const base = ['--import', 'tsx', 'src/cli/main.ts', 'scan', '--config', join(FIXTURES, 'scan-config.yaml'), '--no-builtin', '--profile', 'all', '--policy-dir', POLICIES];

interface Run { code: number; stdout: string; stderr: string }

function run(args: string[], stdin?: string, argv = base): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('node', [...argv, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

interface JsonReport {
  summary: { objects: number };
  errors: { code: string; message: string; file?: string; line?: number }[];
  notInspected?: Record<string, number>;
  objects: { kind: string; name: string; allowed: boolean; findings: { policyId: string; path: string; line?: number }[] }[];
}
const json = (r: Run) => JSON.parse(r.stdout) as JsonReport;

t.test('typed lists are expanded like kind: List; their items take the kind from the list', async (t) => {
  const r = await run([join(IN, 'typed-lists.yaml'), '-o', 'json']);
  t.equal(r.code, 1, 'the privileged pod inside a PodList is denied');
  const j = json(r);
  t.same(j.objects.map((o) => [o.kind, o.name, o.allowed]), [['Pod', 'priv', false], ['Service', 'np', true]]);
  t.match(j.objects[0]?.findings, [{ policyId: 'demo-privileged', path: 'spec.containers[0].securityContext.privileged', line: 10 }]);
  t.match(j.objects[1]?.findings, [{ policyId: 'demo-service-type' }]);
});

t.test('YAML merge keys are resolved: a container inheriting privileged: true is flagged', async (t) => {
  const r = await run([join(IN, 'merge-keys.yaml'), '-o', 'json']);
  t.equal(r.code, 1);
  const paths = (json(r).objects[0]?.findings ?? []).filter((f) => f.policyId === 'demo-privileged').map((f) => f.path);
  t.same(paths.sort(), ['spec.containers[0].securityContext.privileged', 'spec.initContainers[0].securityContext.privileged'], 'the app container inherits privileged: true');
});

t.test('a duplicate mapping key is an input error with file and line, not "the last one wins"', async (t) => {
  const file = join(IN, 'duplicate-key.yaml');
  const r = await run([file]);
  t.equal(r.code, 2);
  t.match(r.stderr, `${file}:10: duplicate mapping key`);
  t.match(r.stdout, /0 object\(s\) scanned/);
});

t.test('a mapping key that is a sequence is an input error with its line, as kubectl refuses it (invalid map key)', async (t) => {
  const file = join(IN, 'complex-key.yaml');
  const r = await run([file]);
  t.equal(r.code, 2);
  t.match(r.stderr, `${file}:7: a mapping key that is a sequence or a mapping`);
  t.match(r.stdout, /0 object\(s\) scanned/);
});

t.test('an alias bomb is refused with its file, not expanded (9^7 nodes)', async (t) => {
  const file = join(IN, 'alias-bomb.yaml');
  const r = await run([file]);
  t.equal(r.code, 2);
  t.match(r.stderr, `${file}:1: too many aliases`);
});

t.test('mappings that are not Kubernetes objects are input errors with file and line (exit 2)', async (t) => {
  const file = join(IN, 'not-objects.yaml');
  const r = await run([file, '-o', 'json']);
  t.equal(r.code, 2);
  const j = json(r);
  t.equal(j.summary.objects, 1, 'only the real Pod is counted as scanned');
  t.same(j.errors.map((e) => [e.code, e.line]), [['KP_ERR_INPUT_NOT_OBJECT', 6], ['KP_ERR_INPUT_NOT_OBJECT', 9]]);
  t.match(j.errors[0]?.message, /no apiVersion and kind/);
  t.match(j.errors[1]?.message, /kind "pod" is not a type name/);
  t.match(r.stderr, `${file}:6: not a Kubernetes object`);
});

t.test('an AdmissionReview is unwrapped to its object, or rejected with a hint', async (t) => {
  const r = await run([join(IN, 'review.json'), '-o', 'json']);
  t.equal(r.code, 1);
  t.same(json(r).objects.map((o) => [o.kind, o.name, o.allowed]), [['Pod', 'reviewed', false]]);
  const del = await run([join(IN, 'review-delete.yaml')]);
  t.equal(del.code, 2);
  t.match(del.stderr, /AdmissionReview with no request\.object: scan judges objects; give it the object itself/);
});

t.test('objects of kinds no enabled policy inspects are counted and listed as not inspected', async (t) => {
  const r = await run([join(IN, 'not-inspected.yaml')]);
  t.equal(r.code, 0);
  t.match(r.stdout, /not inspected \(no enabled policy looks at their kind\): 2 object\(s\): ConfigMap 1, Widget\.example\.com 1/);
  const j = json(await run([join(IN, 'not-inspected.yaml'), '-o', 'json']));
  t.same(j.notInspected, { ConfigMap: 1, 'Widget.example.com': 1 });
});

t.test('empty input is exit 2 with "no Kubernetes objects found", unless --allow-empty', async (t) => {
  for (const [what, args, stdin] of [['empty file', [join(IN, 'empty.yaml')], ''], ['empty stdin', ['-'], ''], ['only comments on stdin', ['-'], '# nothing\n---\n'], ['a directory with no manifests', [join(IN, 'empty-dir')], '']] as const) {
    const r = await run([...args], stdin);
    t.equal(r.code, 2, `${what}: exit 2`);
    t.match(r.stderr, /no Kubernetes objects found/, what);
    const ok = await run([...args, '--allow-empty'], stdin);
    t.equal(ok.code, 0, `${what}: --allow-empty accepts it`);
  }
});

t.test('a file named on the command line is read whatever its name; extensions filter directory walks only', async (t) => {
  const txt = await run([join(IN, 'rendered.txt'), '-o', 'json']);
  t.equal(txt.code, 1);
  t.same(json(txt).objects.map((o) => o.name), ['rendered']);
  const dev = await run(['/dev/stdin', '-o', 'json'], 'apiVersion: v1\nkind: Pod\nmetadata: { name: via-dev-stdin }\nspec: { containers: [{ name: a, image: "x:1", securityContext: { privileged: true } }] }\n');
  t.equal(dev.code, 1);
  t.same(json(dev).objects.map((o) => o.name), ['via-dev-stdin']);
  // A process-substitution pipe, as bash hands it: a FIFO path with no extension.
  const viaBash = await new Promise<Run>((resolve) => {
    const cmd = `node ${base.map((a) => `'${a}'`).join(' ')} -o json <(cat '${join(IN, 'rendered.txt')}')`;
    const child = spawn('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  t.equal(viaBash.code, 1, viaBash.stderr);
  t.same(json(viaBash).objects.map((o) => o.name), ['rendered']);
  const dir = await run([IN, '-o', 'json']);
  const names = json(dir).objects.map((o) => o.name);
  t.ok(names.includes('upper'), 'UPPER.YAML is found by the directory walk (extensions are case-insensitive)');
  t.notOk(names.includes('rendered'), 'rendered.txt is not picked up by a directory walk');
});

t.test('input problems reach stderr and every format: SARIF notifications, JUnit errored cases, JSON errors', async (t) => {
  const bad = join(IN, 'not-objects.yaml');
  const good = join(IN, 'typed-lists.yaml');
  const sarif = await run([good, bad, '-o', 'sarif']);
  t.equal(sarif.code, 2);
  t.match(sarif.stderr, /not-objects\.yaml:6: not a Kubernetes object/, 'stderr names the problem whatever -o is');
  type Sarif = { runs: { originalUriBaseIds?: Record<string, { uri: string }>; invocations: { executionSuccessful: boolean; toolExecutionNotifications?: { level: string; message: { text: string }; descriptor: { id: string }; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine: number } } }[] }[] }[]; results: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[] }[] }[] };
  const run0 = (JSON.parse(sarif.stdout) as Sarif).runs[0]!;
  t.equal(run0.invocations[0]?.executionSuccessful, false);
  const notes = run0.invocations[0]?.toolExecutionNotifications ?? [];
  t.same(notes.map((n) => [n.level, n.descriptor.id, n.locations[0]?.physicalLocation.artifactLocation.uri, n.locations[0]?.physicalLocation.region?.startLine]), [
    ['error', 'KP_ERR_INPUT_NOT_OBJECT', 'test/fixtures/scan-input/not-objects.yaml', 6],
    ['error', 'KP_ERR_INPUT_NOT_OBJECT', 'test/fixtures/scan-input/not-objects.yaml', 9],
  ]);
  // Paths are relative to the git work tree (the default --sarif-root), so code scanning places them.
  t.equal(run0.originalUriBaseIds?.SRCROOT?.uri, `${new URL(`file://${process.cwd()}/`).href}`);
  t.same(run0.results[0]?.locations[0]?.physicalLocation.artifactLocation, { uri: 'test/fixtures/scan-input/typed-lists.yaml', uriBaseId: 'SRCROOT' });
  const rooted = JSON.parse((await run([good, '-o', 'sarif', '--sarif-root', IN])).stdout) as Sarif;
  t.same(rooted.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation, { uri: 'typed-lists.yaml', uriBaseId: 'SRCROOT' });
  t.equal(rooted.runs[0]?.invocations[0]?.executionSuccessful, true);

  const { XMLParser } = await import('fast-xml-parser');
  const junit = await run([good, bad, '-o', 'junit']);
  t.equal(junit.code, 2);
  t.match(junit.stderr, /not-objects\.yaml:9: not a Kubernetes object/);
  type Suite = { '@_name': string; '@_tests': string; '@_errors': string; testcase: { '@_name': string; error?: { '@_type': string } }[] };
  const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(junit.stdout) as { testsuites: { '@_tests': string; '@_errors': string; testsuite: Suite[] } };
  const suites = xml.testsuites.testsuite;
  const cases = suites.flatMap((s) => s.testcase);
  t.equal(Number(xml.testsuites['@_tests']), cases.length, 'tests counts every case, errored ones too');
  t.equal(Number(xml.testsuites['@_tests']), suites.reduce((a, s) => a + Number(s['@_tests']), 0), 'the total is the sum of the suites');
  t.equal(Number(xml.testsuites['@_errors']), cases.filter((c) => c.error).length, 'errors counts the errored cases');
  const input = suites.find((s) => s['@_name'] === 'input');
  t.same(input?.testcase.map((c) => [c['@_name'], c.error?.['@_type']]), [[`${bad}:6`, 'KP_ERR_INPUT_NOT_OBJECT'], [`${bad}:9`, 'KP_ERR_INPUT_NOT_OBJECT']]);

  const j = await run([bad, '-o', 'json']);
  t.equal(j.code, 2);
  t.match(j.stderr, /not-objects\.yaml:6/);
  t.equal(json(j).errors.length, 2);
});

t.test('a removed API version is reported, and the pod template is still judged as the kind it became', async (t) => {
  const r = await run([join(IN, 'removed-api-daemonset.yaml'), '-o', 'json'], undefined, ['--import', 'tsx', 'src/cli/main.ts', 'scan']);
  t.equal(r.code, 1, 'the privileged, hostNetwork DaemonSet is denied');
  const findings = json(r).objects[0]?.findings ?? [];
  const removed = findings.find((f) => f.policyId === 'api-removed-versions') as { message?: string; action?: string } | undefined;
  t.match(removed, { action: 'warn', message: 'extensions/v1beta1 DaemonSet is no longer served since Kubernetes 1.16 (deprecated in 1.9); use apps/v1' });
  t.ok(findings.some((f) => f.policyId === 'pss-privileged' && f.path === 'spec.template.spec.containers[0].securityContext.privileged'));
  t.ok(findings.some((f) => f.policyId === 'pss-host-namespaces' && f.path === 'spec.template.spec.hostNetwork'));
});
