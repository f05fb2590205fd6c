/**
 * Large inputs are read as a stream, one document at a time: a ~42 MB multi-document file (three times
 * the old 16 MiB limit) and the same bytes through standard input are scanned whole, with the right
 * counts. Memory is measured by `npm run bench:scan`, not asserted here.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CONFIGMAPS = 1400;
const PODS = 100;

function manifest(): string {
  const blob = 'x'.repeat(30_000);
  const docs: string[] = [];
  for (let i = 0; i < CONFIGMAPS; i++) {
    docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm-${i}, namespace: big }\ndata:\n  blob: "${blob}"\n`);
    if (i % 14 === 0) docs.push(`apiVersion: v1\nkind: Pod\nmetadata: { name: pod-${i / 14}, namespace: big }\nspec:\n  containers:\n    - name: app\n      image: "registry.example.com/app:1.0"\n      securityContext: { privileged: true }\n`);
  }
  return docs.join('---\n');
}

type JsonReport = { summary: { objects: number; denied: number }; errors?: unknown[]; objects: { kind: string; name: string; line: number }[] };

function scan(args: string[], stdinFile?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'scan', '--profile', 'pss-baseline', '-o', 'json', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr }));
    if (stdinFile) createReadStream(stdinFile).pipe(child.stdin);
    else child.stdin.end();
  });
}

t.test('a 42 MB file and the same through stdin: scanned whole, counts right', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-large-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'big.yaml');
  await writeFile(file, manifest());
  t.ok((await stat(file)).size > 40 * 1024 * 1024, 'larger than 40 MB');
  for (const [what, args, stdin] of [['file', [file], undefined], ['stdin', ['-'], file]] as const) {
    const r = await scan([...args], stdin);
    t.notMatch(r.stderr, /larger than/, `${what}: no size limit`);
    t.equal(r.code, 1, `${what}: the privileged pods are denied`);
    const report = JSON.parse(r.stdout) as JsonReport;
    t.equal(report.summary.objects, CONFIGMAPS + PODS, `${what}: every object counted`);
    t.equal(report.objects.filter((o) => o.kind === 'Pod').length, PODS);
    const last = report.objects.find((o) => o.name === 'pod-99')!;
    // Each ConfigMap is 5 lines plus its ---, each Pod 8 plus its ---: pod-99 comes after cm-1386.
    t.equal(last.line, 1387 * 6 + 99 * 9 + 1, `${what}: lines count across the documents`);
  }
});
