/**
 * `npm run bench:scan`: kube-posture's `scan` (the built CLI, `node dist/bundle/main.js scan`) beside
 * kube-score, when it is installed, on the same generated trees in the same run: objects per second, peak
 * RSS and their ratios, for 5,000 and 50,000 objects in one file and over 200 files, plus the wall time
 * of a one-file scan (what a pre-commit hook pays). Prints the load average before and after; the
 * figures are only comparable within one run.
 *
 * kube-score: found on PATH or in .tools/bin; install it with
 *   GOBIN=$PWD/.tools/bin go install github.com/zegl/kube-score/cmd/kube-score@latest
 * (through the Go module proxy). Without it the bench says so and prints kube-posture's figures alone.
 *
 * Environment: BENCH_SIZES (default "5000,50000"), BENCH_ONE_FILE_RUNS (default 5).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeOneFile, writeTree } from './scan-tree.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'bundle', 'main.js');
const TIME = '/usr/bin/time';

interface Run { seconds: number; cpuSeconds: number; rssMiB: number; code: number; stderr: string }

/** Runs a command with its output thrown away; wall time and peak RSS (`/usr/bin/time -v`, else VmHWM polled from /proc). */
async function measure(cmd: string, args: string[]): Promise<Run> {
  const useTime = existsSync(TIME);
  const [bin, argv] = useTime ? [TIME, ['-f', '%M %U %S', cmd, ...args]] : [cmd, args];
  const started = process.hrtime.bigint();
  return new Promise((done) => {
    const child = spawn(bin, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let hwm = 0;
    const poll = useTime ? undefined : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(spawnSync('cat', [`/proc/${child.pid}/status`]).stdout.toString());
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch { /* gone */ }
    }, 20);
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const m = useTime ? /(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr.trim()) : undefined;
      const kb = m ? Number(m[1]) : hwm;
      done({ seconds, cpuSeconds: m ? Number(m[2]) + Number(m[3]) : NaN, rssMiB: kb / 1024, code: code ?? -1, stderr });
    });
  });
}

function findKubeScore(): string | undefined {
  const local = join(ROOT, '.tools', 'bin', 'kube-score');
  if (existsSync(local)) return local;
  const which = spawnSync('sh', ['-c', 'command -v kube-score']);
  return which.status === 0 ? which.stdout.toString().trim() : undefined;
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build`);
  const kubeScore = findKubeScore();
  const sizes = (process.env.BENCH_SIZES ?? '5000,50000').split(',').map(Number);
  const dir = await mkdtemp(join(tmpdir(), 'kp-bench-scan-'));
  console.log(`load average before: ${load()} (${(await import('node:os')).cpus().length} CPUs)`);
  if (!kubeScore) console.log('kube-score: not found (PATH, .tools/bin); install: GOBIN=$PWD/.tools/bin go install github.com/zegl/kube-score/cmd/kube-score@latest');
  else console.log(`kube-score: ${kubeScore} (${spawnSync(kubeScore, ['version']).stdout.toString().trim().split('\n')[0]})`);
  try {
    console.log('\nobj/s over wall time (and over CPU time, user+sys, which the load of other processes disturbs less)');
    console.log('| input | objects | kube-posture obj/s (CPU) | RSS MiB | kube-score obj/s (CPU) | RSS MiB | obj/s ratio kp/ks (CPU) | RSS ratio kp/ks |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const n of sizes) {
      const one = await writeOneFile(dir, n);
      const tree = await writeTree(dir, n, 200);
      const files = (await readdir(tree)).map((f) => join(tree, f)).sort();
      for (const [label, kpArgs, ksArgs] of [['one file', [one], [one]], ['200 files', [tree], files]] as const) {
        const kp = await measure(process.execPath, [CLI, 'scan', ...kpArgs, '--fail-on', 'never']);
        if (kp.code !== 0) throw new Error(`kube-posture scan exited ${kp.code}: ${kp.stderr}`);
        const ks = kubeScore ? await measure(kubeScore, ['score', ...ksArgs]) : undefined;
        const kpRate = n / kp.seconds;
        const kpCpu = n / kp.cpuSeconds;
        const ksRate = ks ? n / ks.seconds : undefined;
        const ksCpu = ks ? n / ks.cpuSeconds : undefined;
        console.log(`| ${label} | ${fmt(n)} | ${fmt(kpRate)} (${fmt(kpCpu)}) | ${fmt(kp.rssMiB)} | ${ksRate ? `${fmt(ksRate)} (${fmt(ksCpu!)})` : '-'} | ${ks ? fmt(ks.rssMiB) : '-'} | ${ksRate ? `${fmt(kpRate / ksRate, 2)} (${fmt(kpCpu / ksCpu!, 2)})` : '-'} | ${ks ? fmt(kp.rssMiB / ks.rssMiB, 2) : '-'} |`);
      }
    }
    const small = join(dir, 'one-pod.yaml');
    await writeFile(small, 'apiVersion: v1\nkind: Pod\nmetadata: { name: web }\nspec:\n  containers: [{ name: web, image: "registry.example.com/web:1.0" }]\n');
    const runs = Number(process.env.BENCH_ONE_FILE_RUNS ?? 5);
    const kpTimes: number[] = [];
    const kpCpu: number[] = [];
    const ksTimes: number[] = [];
    let kpRss = 0;
    for (let i = 0; i < runs; i++) {
      const r = await measure(process.execPath, [CLI, 'scan', small, '--fail-on', 'never']);
      kpTimes.push(r.seconds);
      kpCpu.push(r.cpuSeconds);
      kpRss = Math.max(kpRss, r.rssMiB);
      if (kubeScore) ksTimes.push((await measure(kubeScore, ['score', small])).seconds);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`\none-file scan (one Pod), median of ${runs}: kube-posture ${fmt(median(kpTimes), 3)} s wall, ${fmt(median(kpCpu), 3)} s CPU (${fmt(kpRss)} MiB)${kubeScore ? `, kube-score ${fmt(median(ksTimes), 3)} s` : ''}; target < 0.25 s`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`load average after: ${load()}`);
}

await main();
