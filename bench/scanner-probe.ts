/**
 * The measured process of the scanner benchmark (started by bench/scanner.ts with the chart's heap
 * flag). Two modes:
 *
 * - `controller <kubeconfig>`: the posture controller exactly as `kube-posture controller` starts it
 *   (`startController`: recommended profile, reports none, leader election off). Tells the driver over
 *   IPC when every kind is listed and the cluster policies ran, then, on `expect`, when the changed
 *   objects were judged again and the cluster policies ran again.
 * - `controller <kubeconfig> openreports <write-rate> <max-reports>`: the same with report writes (the
 *   chart's `--reports openreports`); also tells the driver when every report was written (`written`).
 * - `audit <kubeconfig> <result-file> [format]`: `kube-posture audit` itself (the CLI's main), output
 *   to /dev/null; on exit writes its peak RSS and timings to the result file.
 *
 * Peak RSS is the kernel's high-water mark (VmHWM), the figure a memory limit is held against.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';

export interface MemoryFigures {
  /** Peak resident set, bytes (VmHWM). */
  peakRss: number;
  rss: number;
  heapUsed: number;
  heapLimit: number;
  /** Memory of Buffers and other objects outside the JS heap. */
  external: number;
  /** The JS heap as the OS sees it (committed), of which heapUsed is in use. */
  heapCommitted: number;
}

export type ProbeMessage =
  | ({ type: 'scanned'; listedAt: number; contextAt: number; contextMs: number; judged: number; evaluated: number } & MemoryFigures)
  | { type: 'armed' }
  | { type: 'reevaluated'; at: number; evaluated: number }
  | ({ type: 'context'; at: number; contextMs: number } & MemoryFigures)
  | ({ type: 'written'; at: number; applied: number; deleted: number; unchanged: number; dropped: number; errors: number; reports: number } & MemoryFigures)
  | ({ type: 'final' } & MemoryFigures);

/** `arm` records where the counts stand; `await` names how many evaluations the change should cause. */
export type ProbeRequest = { type: 'arm' } | { type: 'await'; evaluations: number } | { type: 'exit' };

export function memoryFigures(): MemoryFigures {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const heap = getHeapStatistics();
  return { peakRss: kb('VmHWM'), rss: kb('VmRSS'), heapUsed: heap.used_heap_size, heapLimit: heap.heap_size_limit, external: process.memoryUsage().external, heapCommitted: heap.total_physical_size };
}

const [mode, kubeconfig, resultFile, format, maxReportsArg] = process.argv.slice(2);

if (mode === 'audit') {
  const started = Date.now();
  process.on('exit', (code) => {
    writeFileSync(resultFile!, JSON.stringify({ started, ended: Date.now(), code, ...memoryFigures() }));
  });
  process.argv = [process.argv[0]!, 'kube-posture', 'audit', '--kubeconfig', kubeconfig!, '--profile', 'recommended', '-o', format ?? 'table', '--output-file', '/dev/null', '--fail-on', 'never'];
  await import('../src/cli/main.js');
} else if (mode === 'controller') {
  const { startController } = await import('../src/cli/controller-command.js');
  const running = await startController({
    kubeconfig: kubeconfig!,
    profile: 'recommended',
    policyDir: [],
    host: '127.0.0.1',
    opsPort: 0,
    // `controller <kubeconfig> openreports <rate> <max>`: report writes on.
    reports: resultFile === 'openreports' ? 'openreports' : 'none',
    includePass: false,
    maxReports: resultFile === 'openreports' ? Number(maxReportsArg) : 10_000,
    writeRate: resultFile === 'openreports' ? Number(format) : 10,
    rescanInterval: 3600,
    leaderElect: false,
    leaseName: 'kube-posture-controller',
    logLevel: 'warn',
    pageSize: 500,
    shutdownGrace: 1,
    reloadInterval: 0,
    reportAccess: 'off',
    reportInterval: 10,
  }, {});
  const { controller } = running;
  const send = (m: ProbeMessage) => process.send!(m);
  // Polled rather than hooked: the controller is run as the command runs it, untouched.
  const poll = (done: () => boolean, then: () => void) => {
    const timer = setInterval(() => {
      if (!done()) return;
      clearInterval(timer);
      then();
    }, 20);
  };
  let listedAt = 0;
  poll(() => {
    if (listedAt === 0 && !controller.notReady().some((r) => r.startsWith('not listed'))) listedAt = Date.now();
    return controller.notReady().length === 0;
  }, () => {
    const { lastMs } = controller.contextRunStats;
    // For profiling (bench/scanner.ts --snapshot DIR): the heap as the first scan leaves it.
    if (process.env.KP_BENCH_SNAPSHOT) writeHeapSnapshot(process.env.KP_BENCH_SNAPSHOT);
    if (process.env.KP_BENCH_DEBUG) process.stderr.write(`view holds ${JSON.stringify(controller.viewSizes)}\n`);
    send({ type: 'scanned', listedAt, contextAt: Date.now(), contextMs: lastMs, judged: controller.state.size, evaluated: controller.state.counts.evaluated, ...memoryFigures() });
    const writer = controller.writer;
    if (writer === undefined) return;
    // Every report written: the writer started (it reconciles every reported uid) and has nothing pending.
    poll(() => writer.counts.applied + writer.counts.unchanged + writer.counts.dropped > 0 && writer.pending === 0, () => {
      void writer.drained().then(() => send({ type: 'written', at: Date.now(), ...writer.counts, reports: writer.reportCount, ...memoryFigures() }));
    });
  });
  let armed = { evaluated: 0, runs: 0 };
  process.on('message', (m: ProbeRequest) => {
    if (m.type === 'exit') {
      send({ type: 'final', ...memoryFigures() });
      void running.shutdown('benchmark done').finally(() => process.exit(0));
      return;
    }
    if (m.type === 'arm') {
      armed = { evaluated: controller.state.counts.evaluated, runs: controller.contextRunStats.runs };
      send({ type: 'armed' });
      return;
    }
    const base = armed;
    poll(() => controller.state.counts.evaluated >= base.evaluated + m.evaluations, () => {
      send({ type: 'reevaluated', at: Date.now(), evaluated: controller.state.counts.evaluated - base.evaluated });
      poll(() => controller.contextRunStats.runs > base.runs, () => send({ type: 'context', at: Date.now(), contextMs: controller.contextRunStats.lastMs, ...memoryFigures() }));
    });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  process.stderr.write('usage: scanner-probe controller <kubeconfig> | audit <kubeconfig> <result-file> [format]\n');
  process.exit(2);
}
