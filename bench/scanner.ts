/**
 * Live-scanner benchmark (not a test): `npm run bench:scanner [-- --fraction 0.01 --heap 160]`.
 *
 * Starts, as separate processes on this machine,
 *   - an API server speaking the Kubernetes list and watch API over a synthetic cluster of 110,000
 *     objects (bench/scanner-server.ts, bench/scanner-cluster.ts), and
 *   - the measured scanner (bench/scanner-probe.ts) with the chart's heap flag (`--max-old-space-size`
 *     at 5/8 of the 256 MiB limit): first `kube-posture audit` (recommended profile, table output), then
 *     the posture controller as `kube-posture controller` starts it (reports none, no leader election).
 *
 * Prints, beside the issue's targets: objects per second of the first full scan (every kind listed and
 * judged, the cluster policies run over the view), the time from changing a fraction of the objects on
 * the server to the controller having judged them again (and to the cluster policies having run again,
 * which waits the controller's 5 s quiet time by design), and the peak RSS (VmHWM) of each.
 *
 * Then the controller again with report writes (`--reports openreports`, `--write-rate`, `--max-reports`;
 * the server checks and counts the server-side applies): report writes per second beside the configured
 * rate, the time until every report was written, and the peak RSS.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TOTAL_OBJECTS } from './scanner-cluster.js';
import type { ServerMessage, ServerRequest, WriteFigures } from './scanner-server.js';
import type { MemoryFigures, ProbeMessage, ProbeRequest } from './scanner-probe.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: {
  fraction: { type: 'string', default: '0.01' },
  heap: { type: 'string', default: '160' },
  // Extra flags for the measured process, e.g. --trace-gc or --heapsnapshot-near-heap-limit=1.
  'node-flags': { type: 'string', default: '' },
  'audit-format': { type: 'string', default: 'table' },
  only: { type: 'string' },
  // The controller's --write-rate and --max-reports in the run with report writes (the chart: 10 and 10,000).
  'write-rate': { type: 'string', default: '200' },
  'max-reports': { type: 'string', default: '10000' },
} });
const fraction = Number(values.fraction);
const probeFlags = [`--max-old-space-size=${values.heap}`, ...values['node-flags'].split(' ').filter((f) => f !== '')];
const TARGET_RATE = 5000;
const TARGET_RSS = 256 * 1024 * 1024;

const children: ChildProcess[] = [];
process.on('exit', () => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); });
process.on('SIGINT', () => process.exit(130));

/** The next message of a child that satisfies `pick`, or an error when it exits first. */
function next<M, T extends M>(child: ChildProcess, pick: (m: M) => m is T, timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: M) => {
      if (!pick(m)) return;
      done();
      resolve(m);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`child exited (code ${code}, signal ${signal}) before the expected message`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage as never);
      child.off('exit', onExit);
    };
    child.on('message', onMessage as never);
    child.on('exit', onExit);
  });
}
const isType = <K extends string>(type: K) => <M extends { type: string }>(m: M): m is Extract<M, { type: K }> => m.type === type;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

interface Row { measure: string; figure: string; target: string; met?: boolean }
const rows: Row[] = [];

const dir = await mkdtemp(join(tmpdir(), 'kp-bench-scanner-'));
const server = fork(join(here, 'scanner-server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
children.push(server);
const { url } = await next<ServerMessage, Extract<ServerMessage, { type: 'ready' }>>(server, isType('ready'));
const kubeconfig = join(dir, 'kubeconfig');
await writeFile(kubeconfig, `apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster: {server: "${url}", insecure-skip-tls-verify: true}
users:
- name: bench
  user: {token: bench}
contexts:
- name: bench
  context: {cluster: bench, user: bench}
current-context: bench
`);
const served = async () => {
  server.send({ type: 'served' } satisfies ServerRequest);
  return next<ServerMessage, Extract<ServerMessage, { type: 'served' }>>(server, isType('served'));
};

console.log(`kube-posture scanner benchmark: ${TOTAL_OBJECTS.toLocaleString('en')} objects served from ${url} (separate process); node ${process.version}, ${cpus().length} CPU(s), scanner heap --max-old-space-size=${values.heap}`);
console.log(`load average at start: ${load()}`);

async function runAudit(): Promise<void> {
  await served();
  const resultFile = join(dir, 'audit.json');
  const t0 = Date.now();
  const child = fork(join(here, 'scanner-probe.js'), ['audit', kubeconfig, resultFile, values['audit-format']], { execArgv: probeFlags, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const wall = Date.now() - t0;
  const s = await served();
  let r: { started: number; ended: number; code: number } & MemoryFigures;
  try {
    r = JSON.parse(await readFile(resultFile, 'utf8')) as typeof r;
  } catch {
    console.log(`audit: the process died without a result (exit ${code}) after ${(wall / 1000).toFixed(1)} s: out of heap? run with --node-flags=--trace-gc`);
    rows.push({ measure: 'audit: first full scan', figure: `failed (exit ${code})`, target: `≥ ${TARGET_RATE.toLocaleString('en')} objects/s`, met: false });
    rows.push({ measure: 'audit: peak RSS', figure: 'failed', target: `< ${mib(TARGET_RSS)}`, met: false });
    return;
  }
  // From the first list request to the report written (policy loading before it is not scanning).
  const scanMs = r.ended - s.firstListAt;
  const rate = s.items / (scanMs / 1000);
  console.log(`audit: exit ${r.code}; ${s.items.toLocaleString('en')} objects listed (${mib(s.bytes)} of JSON); first list request to report written ${(scanMs / 1000).toFixed(1)} s; process ${(wall / 1000).toFixed(1)} s; peak RSS ${mib(r.peakRss)}, heap at exit ${mib(r.heapUsed)} used, ${mib(r.heapCommitted)} committed, limit ${mib(r.heapLimit)}, external ${mib(r.external)}; load ${load()}`);
  rows.push({ measure: `audit (-o ${values['audit-format']}): first full scan`, figure: `${Math.round(rate).toLocaleString('en')} objects/s (${(scanMs / 1000).toFixed(1)} s)`, target: `≥ ${TARGET_RATE.toLocaleString('en')} objects/s`, met: rate >= TARGET_RATE && r.code !== null && r.code < 2 });
  rows.push({ measure: 'audit: peak RSS', figure: mib(r.peakRss), target: `< ${mib(TARGET_RSS)}`, met: r.peakRss < TARGET_RSS });
}

async function runController(): Promise<void> {
  await served();
  const child = fork(join(here, 'scanner-probe.js'), ['controller', kubeconfig], { execArgv: probeFlags, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const probe = <K extends ProbeMessage['type']>(type: K) => next<ProbeMessage, Extract<ProbeMessage, { type: K }>>(child, isType(type));
  const scanned = await probe('scanned');
  const s = await served();
  const listMs = scanned.listedAt - s.firstListAt;
  const scanMs = listMs + scanned.contextMs;
  const rate = s.items / (scanMs / 1000);
  console.log(`controller: ${s.items.toLocaleString('en')} objects listed (${mib(s.bytes)} of JSON), ${scanned.judged.toLocaleString('en')} judged; listed and judged in ${(listMs / 1000).toFixed(1)} s, cluster policies ${(scanned.contextMs / 1000).toFixed(2)} s; ready ${((scanned.contextAt - s.firstListAt) / 1000).toFixed(1)} s after the first list (the cluster policies wait 5 s of quiet); RSS ${mib(scanned.rss)} (peak ${mib(scanned.peakRss)}), heap ${mib(scanned.heapUsed)} used, ${mib(scanned.heapCommitted)} committed, limit ${mib(scanned.heapLimit)}, external ${mib(scanned.external)}; load ${load()}`);
  rows.push({ measure: 'controller: first full scan (listed, judged, cluster policies)', figure: `${Math.round(rate).toLocaleString('en')} objects/s (${(scanMs / 1000).toFixed(1)} s)`, target: `≥ ${TARGET_RATE.toLocaleString('en')} objects/s`, met: rate >= TARGET_RATE });

  // Settle: the ready poll and the last list's garbage.
  await new Promise((r) => setTimeout(r, 2000));
  child.send({ type: 'arm' } satisfies ProbeRequest);
  await probe('armed');
  server.send({ type: 'change', fraction } satisfies ServerRequest);
  const changed = await next<ServerMessage, Extract<ServerMessage, { type: 'changed' }>>(server, isType('changed'));
  // Every changed object changed in what evaluation reads: each is judged once more.
  child.send({ type: 'await', evaluations: changed.count } satisfies ProbeRequest);
  const reevaluated = await probe('reevaluated');
  const context = await probe('context');
  if (reevaluated.evaluated !== changed.count) console.log(`note: ${reevaluated.evaluated} evaluations for ${changed.count} changed objects`);
  const judgedMs = reevaluated.at - changed.at;
  const contextMs = context.at - changed.at;
  console.log(`controller: ${changed.count} objects changed (${Object.entries(changed.byKind).map(([k, n]) => `${n} ${k}`).join(', ')}); judged again ${judgedMs} ms after the change; cluster policies ran again after ${contextMs} ms (run ${(context.contextMs / 1000).toFixed(2)} s, after the 5 s quiet time); RSS ${mib(context.rss)}, heap ${mib(context.heapUsed)}`);
  rows.push({ measure: `controller: ${(fraction * 100).toFixed(0)}% of objects changed (${changed.count}), judged again`, figure: `${(judgedMs / 1000).toFixed(2)} s`, target: '(no target)' });
  rows.push({ measure: 'controller: ... and the cluster policies run again', figure: `${(contextMs / 1000).toFixed(2)} s (of it ${(context.contextMs / 1000).toFixed(2)} s running)`, target: '(no target; 5 s quiet time by design)' });

  child.send({ type: 'exit' } satisfies ProbeRequest);
  const final = await probe('final');
  rows.push({ measure: 'controller: peak RSS', figure: mib(final.peakRss), target: `< ${mib(TARGET_RSS)}`, met: final.peakRss < TARGET_RSS });
  await new Promise((r) => child.once('exit', r));
}

async function runControllerReports(): Promise<void> {
  await served();
  const writes = async () => {
    server.send({ type: 'writes' } satisfies ServerRequest);
    return next<ServerMessage, Extract<ServerMessage, { type: 'writes' }>>(server, isType('writes'));
  };
  await writes();
  const rate = Number(values['write-rate']);
  const maxReports = Number(values['max-reports']);
  const child = fork(join(here, 'scanner-probe.js'), ['controller', kubeconfig, 'openreports', String(rate), String(maxReports)], { execArgv: probeFlags, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const probe = <K extends ProbeMessage['type']>(type: K) => next<ProbeMessage, Extract<ProbeMessage, { type: K }>>(child, isType(type));
  const scanned = await probe('scanned');
  const s = await served();
  const written = await probe('written');
  const w: WriteFigures = await writes();
  const spanS = Math.max(0.001, (w.lastAt - w.firstAt) / 1000);
  const writeRate = (w.applied + w.deleted) / spanS;
  const untilAll = (written.at - s.firstListAt) / 1000;
  const afterScan = (written.at - scanned.contextAt) / 1000;
  console.log(`controller with reports (--write-rate ${rate}, --max-reports ${maxReports.toLocaleString('en')}): server saw ${w.applied.toLocaleString('en')} applies (${mib(w.bytes)} of JSON), ${w.deleted} deletes, ${w.refused} refused${w.reasons.length > 0 ? ` (${w.reasons.join('; ')})` : ''}, ${w.stored.toLocaleString('en')} reports stored; writer: ${written.applied} applied, ${written.unchanged} unchanged, ${written.dropped} dropped at the limit, ${written.errors} errors; ${writeRate.toFixed(1)} writes/s over ${spanS.toFixed(1)} s; all written ${untilAll.toFixed(1)} s after the first list (${afterScan.toFixed(1)} s after the first scan was complete); RSS ${mib(written.rss)} (peak ${mib(written.peakRss)}), heap ${mib(written.heapUsed)}; load ${load()}`);
  rows.push({ measure: `controller + reports: writes/s (configured --write-rate ${rate})`, figure: `${writeRate.toFixed(1)} writes/s (${(w.applied + w.deleted).toLocaleString('en')} writes, ${w.refused} refused)`, target: `≤ ${rate} (the bound; 5% allowed for the initial burst)`, met: writeRate <= rate * 1.05 && w.refused === 0 && written.errors === 0 });
  rows.push({ measure: `controller + reports: every report written (${written.reports.toLocaleString('en')} objects, ${written.dropped} dropped at --max-reports)`, figure: `${untilAll.toFixed(1)} s after the first list (${afterScan.toFixed(1)} s after the scan)`, target: '(no target; bounded by the rate)' });
  child.send({ type: 'exit' } satisfies ProbeRequest);
  const final = await probe('final');
  rows.push({ measure: 'controller + reports: peak RSS', figure: mib(final.peakRss), target: `< ${mib(TARGET_RSS)}`, met: final.peakRss < TARGET_RSS });
  await new Promise((r) => child.once('exit', r));
}

const failedRows = (what: string) => (err: unknown) => {
  console.log(`${what}: ${(err as Error).message}: out of heap? run with --node-flags=--trace-gc`);
  rows.push({ measure: `${what}: first full scan`, figure: 'failed', target: `≥ ${TARGET_RATE.toLocaleString('en')} objects/s`, met: false });
  rows.push({ measure: `${what}: peak RSS`, figure: 'failed', target: `< ${mib(TARGET_RSS)}`, met: false });
};

try {
  const only = values.only?.split(',');
  if (only === undefined || only.includes('audit')) await runAudit();
  if (only === undefined || only.includes('controller')) await runController().catch(failedRows('controller'));
  if (only === undefined || only.includes('reports')) await runControllerReports().catch(failedRows('controller + reports'));
} finally {
  server.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}

const w = [Math.max(...rows.map((r) => r.measure.length), 7), Math.max(...rows.map((r) => r.figure.length), 6), Math.max(...rows.map((r) => r.target.length), 6)];
console.log('');
console.log(`${'measure'.padEnd(w[0]!)} | ${'figure'.padEnd(w[1]!)} | ${'target'.padEnd(w[2]!)} | met`);
console.log(`${'-'.repeat(w[0]!)}-|-${'-'.repeat(w[1]!)}-|-${'-'.repeat(w[2]!)}-|-----`);
for (const r of rows) console.log(`${r.measure.padEnd(w[0]!)} | ${r.figure.padEnd(w[1]!)} | ${r.target.padEnd(w[2]!)} | ${r.met === undefined ? '' : r.met ? 'met' : 'NOT MET'}`);
console.log(`load average at end: ${load()} (${cpus().length} CPU(s); other work on the machine slows every figure but RSS)`);
