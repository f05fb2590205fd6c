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
  t.match(json(r).objects[0]?.findings, [{ policyId: 'demo-privileged', path: 'spec.containers[1].securityContext.privileged' }]);
});

t.test('a duplicate mapping key is an input error with file and line, not "the last one wins"', async (t) => {
  const file = join(IN, 'duplicate-key.yaml');
  const r = await run([file]);
  t.equal(r.code, 2);
  t.match(r.stderr, `${file}:10: duplicate mapping key`);
  t.match(r.stdout, /0 object\(s\) scanned/);
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
