/**
 * Webhook benchmark (not a test): `npm run bench:webhook [-- --duration 60 --connections 10 --runs 3]`.
 *
 * Starts, as separate processes on this machine, each under the chart's heap flag
 * (`--max-old-space-size=160`, what the chart sets for its 256Mi limit; `--heap` changes it):
 *   - a bare Fastify HTTPS server that parses the body and answers `allowed: true` (the floor),
 *   - the webhook with `--profile none` (the adapter alone: HTTPS, parsing, review checks, log, metrics),
 *   - the webhook with `--profile recommended` (`--profile` changes it),
 * with the same certificate and TLS settings, and drives them in turn from this process with autocannon
 * over HTTPS keep-alive (full speed in interleaved `--slice`-second turns, so that other load on a
 * shared machine falls on every server alike), sending a realistic Deployment AdmissionReview. Per
 * run it prints requests/s and the ratio to the floor, the server's CPU time per review (process CPU time / reviews, robust on a
 * shared machine), p50/p99/p99.9; p99 at a fixed 1,000 requests/s; the webhooks' RSS after the
 * full-speed and paced load, and again after a 10,000-body fuzz (test/admission/fixtures/fuzz-bodies.ts),
 * every fuzz answer judged as the fuzz test judges it; and the load average. `--runs N` repeats the
 * whole run with fresh servers and prints each run and a summary. `--compare-main PATH` runs another
 * build's `dist/bundle/main.js` (e.g. of the main branch) beside this one, in the same run.
 *
 * Latencies are taken from every response (autocannon's own histogram has 1 ms resolution).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, open } from 'node:fs/promises';
import { request as httpsRequest, Agent } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureDevCertificate } from '../src/serving/dev-cert.js';
import { fuzzBodies, judgeAnswer } from '../test/admission/fixtures/fuzz-bodies.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: {
  duration: { type: 'string', default: '60' },
  connections: { type: 'string', default: '10' },
  rate: { type: 'string', default: '1000' },
  'rate-duration': { type: 'string' },
  warmup: { type: 'string', default: '5' },
  profile: { type: 'string', default: 'recommended' },
  runs: { type: 'string', default: '1' },
  slice: { type: 'string', default: '5' },
  // The chart's NODE_OPTIONS for its 256Mi limit (charts/kube-posture/templates/_helpers.tpl); 0 = none.
  heap: { type: 'string', default: '160' },
  fuzz: { type: 'string', default: '10000' },
  'fuzz-seed': { type: 'string', default: '16' },
  // Another build's dist/bundle/main.js (e.g. of the main branch), run beside this one with the same
  // profile in the same run: the baseline for a change.
  'compare-main': { type: 'string' },
  // Extra flags for the webhook's node process, e.g. --trace-gc (its stdout is the log file).
  'node-flags': { type: 'string', default: '' },
  'log-level': { type: 'string', default: 'info' },
  // A directory: every webhook's log (and whatever the node flags printed) is copied there at the end.
  'keep-log': { type: 'string' },
} });
const duration = Number(values.duration);
const connections = Number(values.connections);
const rate = Number(values.rate);
const rateDuration = Number(values['rate-duration'] ?? Math.min(30, duration));
const warmup = Number(values.warmup);
const runs = Number(values.runs);
const heapFlags = Number(values.heap) > 0 ? [`--max-old-space-size=${Number(values.heap)}`] : [];
const fuzzCount = Number(values.fuzz);

const children: ChildProcess[] = [];
const cleanup = (): void => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function waitFor(check: () => Promise<string | undefined>, what: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function post(port: number, ca: string, payload: string | Buffer, contentType = 'application/json', agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/validate?timeout=10s', ca, servername: 'localhost', ...(agent ? { agent } : {}), headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

interface RunResult {
  rps: number;
  /** Server CPU time (user + system) per answered request, in microseconds: robust on a busy machine. */
  cpuUsPerRequest: number;
  p50: number;
  p99: number;
  p999: number;
  requests: number;
  errors: number;
  non2xx: number;
  clientLagP99?: number;
  /** Sorted latencies (full-speed runs), kept to merge slices. */
  samples?: Float64Array;
  cpuSeconds?: number;
  seconds?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Full speed: autocannon, `connections` keep-alive connections, each sending as soon as the last answer arrives. */
async function run(pid: number, port: number, payload: string, seconds: number): Promise<RunResult> {
  const cpu0 = await cpuSeconds(pid);
  let samples = new Float64Array(1 << 16);
  let n = 0;
  const instance = autocannon({
    url: `https://127.0.0.1:${port}/validate?timeout=10s`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: payload,
    connections,
    pipelining: 1,
    duration: seconds,
    servername: 'localhost',
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    if (status !== 200) return;
    if (n === samples.length) {
      const bigger = new Float64Array(samples.length * 2);
      bigger.set(samples);
      samples = bigger;
    }
    samples[n++] = responseTime;
  });
  const result = await instance;
  const cpu = (await cpuSeconds(pid)) - cpu0;
  const sorted = samples.subarray(0, n).sort();
  return { rps: result.requests.total / seconds, cpuUsPerRequest: (cpu / Math.max(1, result.requests.total)) * 1e6, p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), requests: result.requests.total, errors: result.errors + result.timeouts, non2xx: result.non2xx, samples: sorted, cpuSeconds: cpu, seconds };
}

/** One result from slices of the same server's full-speed runs (interleaved with the other servers'). */
function merge(slices: RunResult[]): RunResult {
  const n = slices.reduce((a, r) => a + (r.samples?.length ?? 0), 0);
  const all = new Float64Array(n);
  let at = 0;
  for (const r of slices) {
    all.set(r.samples!, at);
    at += r.samples!.length;
  }
  all.sort();
  const requests = slices.reduce((a, r) => a + r.requests, 0);
  const seconds = slices.reduce((a, r) => a + r.seconds!, 0);
  const cpu = slices.reduce((a, r) => a + r.cpuSeconds!, 0);
  return { rps: requests / seconds, cpuUsPerRequest: (cpu / Math.max(1, requests)) * 1e6, p50: percentile(all, 50), p99: percentile(all, 99), p999: percentile(all, 99.9), requests, errors: slices.reduce((a, r) => a + r.errors, 0), non2xx: slices.reduce((a, r) => a + r.non2xx, 0), cpuSeconds: cpu, seconds };
}

/**
 * Fixed rate: an open-loop client that sends one request every 1/rate seconds whatever the answers
 * do (autocannon's rate limit sends each second's quota in a burst, which measures the burst, not
 * the rate). Latency is measured from the moment the request is handed to the socket pool, like
 * autocannon; how late the client itself was against its schedule is reported as `clientLagP99`
 * (high values mean the machine, not the server, could not keep the pace).
 */
async function paced(pid: number, port: number, ca: string, payload: string, seconds: number, perSecond: number): Promise<RunResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32, ca, servername: 'localhost' });
  const total = Math.round(seconds * perSecond);
  const interval = 1000 / perSecond;
  const latencies = new Float64Array(total);
  const lag = new Float64Array(total);
  let done = 0;
  let ok = 0;
  let errors = 0;
  let non2xx = 0;
  const cpu0 = await cpuSeconds(pid);
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    const finish = (): void => {
      if (++done === total) resolve();
    };
    const fire = (scheduled: number): void => {
      const t0 = performance.now();
      lag[sent - 1] = t0 - scheduled;
      const req = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/validate?timeout=10s', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies[ok++] = performance.now() - t0;
          else non2xx++;
          finish();
        });
      });
      req.on('error', () => {
        errors++;
        finish();
      });
      req.end(payload);
    };
    const tick = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < due) fire(start + sent++ * interval);
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  const elapsed = (performance.now() - start) / 1000;
  const cpu = (await cpuSeconds(pid)) - cpu0;
  agent.destroy();
  const sorted = latencies.subarray(0, ok).sort();
  return { rps: done / elapsed, cpuUsPerRequest: (cpu / Math.max(1, done)) * 1e6, p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), requests: done, errors, non2xx, clientLagP99: percentile(lag.sort(), 99) };
}


async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Sends the seeded fuzz bodies, `parallel` at a time over keep-alive, and judges every answer. */
async function fuzz(port: number, ca: string, count: number, seed: number, parallel = 8): Promise<{ sent: number; reviews: number; errors: number; bad: string[] }> {
  const bodies = fuzzBodies(seed, count);
  const agent = new Agent({ keepAlive: true, maxSockets: parallel, ca, servername: 'localhost' });
  let next = 0;
  let reviews = 0;
  let errors = 0;
  const bad: string[] = [];
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const b = bodies[next++]!;
      try {
        const r = await post(port, ca, b.payload, b.contentType, agent);
        const judged = judgeAnswer(r.status, r.body);
        if (!judged.ok) bad.push(`${b.kind}: ${judged.problem}`);
        else if (judged.kind === 'review') reviews++;
        else errors++;
      } catch (err) {
        bad.push(`${b.kind}: no answer (${(err as Error).message})`);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  agent.destroy();
  return { sent: bodies.length, reviews, errors, bad };
}

const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(', ');

interface Server { name: string; pid: number; port: number; proc: ChildProcess }

async function startBare(cert: { certFile: string; keyFile: string }): Promise<Server> {
  const proc = spawn(process.execPath, [...heapFlags, join(root, 'bench', 'webhook-bare-server.mjs'), '--cert', cert.certFile, '--key', cert.keyFile], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const port = Number(await waitFor(async () => /listening (\d+)/.exec(out)?.[1], 'the bare server'));
  return { name: 'bare Fastify (floor)', pid: proc.pid!, port, proc };
}

/** The webhook, logging at info to a file (one JSON line per review, as in production). */
async function startWebhook(cert: { certFile: string; keyFile: string }, profile: string, logFile: string, main = join(root, 'dist', 'bundle', 'main.js'), label = `webhook, ${profile}`): Promise<Server & { policies: string }> {
  const log = await open(logFile, 'w');
  const proc = spawn(process.execPath, [...heapFlags, ...values['node-flags']!.split(' ').filter(Boolean), main, 'serve', '--profile', profile, '--host', '127.0.0.1', '--port', '0', '--tls-cert', cert.certFile, '--tls-key', cert.keyFile, '--cluster-context', 'off', '--reload-interval', '0', '--log-level', values['log-level']!], { cwd: root, stdio: ['ignore', log.fd, 'inherit'] });
  children.push(proc);
  proc.on('exit', () => void log.close());
  const port = Number(await waitFor(async () => /"url":"https:\/\/127\.0\.0\.1:(\d+)\/validate"/.exec(await readFile(logFile, 'utf8').catch(() => ''))?.[1], `the webhook (${profile})`));
  const policies = /"policies":(\d+)/.exec(await readFile(logFile, 'utf8'))?.[1] ?? '?';
  return { name: label, pid: proc.pid!, port, proc, policies };
}

interface ServerFigures { full: RunResult; paced: RunResult; rssLoad?: number; rssFuzz?: number; fuzz?: Awaited<ReturnType<typeof fuzz>> }
interface RunFigures { loadBefore: number[]; loadAfter: number[]; byServer: Map<string, ServerFigures> }

async function oneRun(index: number, work: string, cert: { certFile: string; keyFile: string }, ca: string, payload: string): Promise<RunFigures> {
  const loadBefore = loadavg();
  const bare = await startBare(cert);
  const none = await startWebhook(cert, 'none', join(work, `webhook-none-${index}.log`));
  const rec = await startWebhook(cert, values.profile!, join(work, `webhook-${values.profile}-${index}.log`));
  const servers = [bare, none, rec];
  const webhooks = [none, rec];
  if (values['compare-main'] !== undefined) {
    const base = await startWebhook(cert, values.profile!, join(work, `baseline-${index}.log`), values['compare-main'], `baseline, ${values.profile}`);
    servers.push(base);
    webhooks.push(base);
  }
  // Every server answers the review correctly before anything is measured.
  for (const s of servers) {
    const r = await post(s.port, ca, payload);
    const body = JSON.parse(r.body) as { response?: { uid?: string; allowed?: boolean; warnings?: string[] } };
    if (r.status !== 200 || body.response?.uid !== '6a1f0d52-3d1b-4f0e-9c43-2b7f1b0f9e21') throw new Error(`${s.name} answered ${r.status}: ${r.body.slice(0, 200)}`);
    if (index === 1 && s !== bare) console.log(`${s.name}: ${(s as typeof none).policies} policies enabled; answer to the benchmark review: allowed=${body.response.allowed}, ${body.response.warnings?.length ?? 0} warning(s)`);
  }
  console.log(`\nrun ${index}: load average before ${load()}; warm-up ${warmup}s each, ${duration}s at full speed each (${connections} keep-alive connections), ${rateDuration}s at ${rate}/s each, then ${fuzzCount} fuzz bodies to each webhook; heap flag: ${heapFlags.join(' ') || 'none'}`);
  for (const s of servers) await run(s.pid, s.port, payload, warmup);
  const byServer = new Map<string, ServerFigures>();
  // Full speed in interleaved slices (each server in turn, `--slice` seconds at a time), so that load
  // from other processes on a shared machine falls on every server alike rather than on one of them.
  const slices = new Map<string, RunResult[]>(servers.map((s) => [s.name, []]));
  const sliceSeconds = Math.min(duration, Number(values.slice));
  for (let done = 0; done < duration; done += sliceSeconds) {
    const len = Math.min(sliceSeconds, duration - done);
    for (const s of servers) slices.get(s.name)!.push(await run(s.pid, s.port, payload, len));
  }
  for (const s of servers) byServer.set(s.name, { full: merge(slices.get(s.name)!), paced: undefined as never });
  for (const s of servers) byServer.get(s.name)!.paced = await paced(s.pid, s.port, ca, payload, rateDuration, rate);
  for (const s of webhooks) byServer.get(s.name)!.rssLoad = await rssMiB(s.pid);
  if (fuzzCount > 0) {
    for (const s of webhooks) {
      const f = byServer.get(s.name)!;
      f.fuzz = await fuzz(s.port, ca, fuzzCount, Number(values['fuzz-seed']));
      if (s.proc.exitCode !== null) throw new Error(`${s.name} exited during the fuzz (${s.proc.exitCode})`);
      // Still answers the benchmark review after the fuzz.
      const after = await post(s.port, ca, payload);
      if (after.status !== 200) throw new Error(`${s.name} answered ${after.status} after the fuzz`);
      f.rssFuzz = await rssMiB(s.pid);
    }
  }
  for (const s of servers) s.proc.kill('SIGTERM');
  await Promise.all(servers.map((s) => (s.proc.exitCode === null ? new Promise((r) => s.proc.once('exit', r)) : undefined)));
  return { loadBefore, loadAfter: loadavg(), byServer };
}

function printRun(index: number, r: RunFigures): void {
  const floor = r.byServer.get('bare Fastify (floor)')!;
  console.log(`\nrun ${index}                  ${'req/s'.padStart(8)} ${'of floor'.padStart(8)} ${'CPU µs/req'.padStart(10)} ${'CPU floor/x'.padStart(11)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'p99.9 ms'.padStart(8)} ${`p99 @${rate}/s`.padStart(12)} ${'RSS load'.padStart(9)} ${'RSS fuzz'.padStart(9)} ${'errors'.padStart(6)}`);
  for (const [name, f] of r.byServer) {
    const ratio = f.full.rps / floor.full.rps;
    const cpuRatio = floor.full.cpuUsPerRequest / f.full.cpuUsPerRequest;
    console.log(`${name.padEnd(25)} ${fmt(f.full.rps, 0).padStart(8)} ${`${fmt(ratio * 100, 1)}%`.padStart(8)} ${fmt(f.full.cpuUsPerRequest, 0).padStart(10)} ${`${fmt(cpuRatio * 100, 1)}%`.padStart(11)} ${fmt(f.full.p50).padStart(7)} ${fmt(f.full.p99).padStart(7)} ${fmt(f.full.p999).padStart(8)} ${fmt(f.paced.p99).padStart(12)} ${(f.rssLoad === undefined ? '' : fmt(f.rssLoad, 1)).padStart(9)} ${(f.rssFuzz === undefined ? '' : fmt(f.rssFuzz, 1)).padStart(9)} ${String(f.full.errors + f.full.non2xx + f.paced.errors + f.paced.non2xx).padStart(6)}`);
  }
  for (const [name, f] of r.byServer) {
    if (f.fuzz) console.log(`  ${name} fuzz: ${f.fuzz.sent} bodies, ${f.fuzz.reviews} reviews answered, ${f.fuzz.errors} 400/413, ${f.fuzz.bad.length} bad answers${f.fuzz.bad.length ? ` (first: ${f.fuzz.bad[0]})` : ''}`);
  }
  const lags = [...r.byServer].map(([n, f]) => `${n} ${fmt(f.paced.clientLagP99 ?? NaN)} ms`).join(', ');
  console.log(`  client lag p99 in the paced runs (high = the machine, not the server, missed the pace): ${lags}`);
  console.log(`  load average (1, 5, 15 min) before ${r.loadBefore.map((l) => l.toFixed(2)).join(', ')}, after ${r.loadAfter.map((l) => l.toFixed(2)).join(', ')} on ${cpus().length} CPUs`);
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kp-bench-'));
  const all: RunFigures[] = [];
  try {
    const cert = await ensureDevCertificate(work);
    const ca = await readFile(cert.certFile, 'utf8');
    const payload = await readFile(join(root, 'bench', 'webhook-deployment-review.json'), 'utf8');
    console.log(`webhook benchmark: node ${process.version}, ${cpus().length} CPUs, ${Buffer.byteLength(payload)} byte Deployment review, ${runs} run(s)`);
    for (let i = 1; i <= runs; i++) {
      const r = await oneRun(i, work, cert, ca, payload);
      all.push(r);
      printRun(i, r);
    }
    if (runs > 1) {
      console.log('\nsummary (each run measures the floor and the webhooks in the same run):');
      console.log(`${'run'.padEnd(4)} ${'floor req/s'.padStart(11)} ${'none'.padStart(7)} ${'recommended'.padStart(11)} ${'CPU µs floor/none/rec'.padStart(22)} ${`p99 @${rate}/s none/rec`.padStart(22)} ${'RSS load/fuzz (rec)'.padStart(20)} load(1m)`);
      for (const [i, r] of all.entries()) {
        const [floor, none, rec] = [...r.byServer.values()] as [ServerFigures, ServerFigures, ServerFigures];
        console.log(`${String(i + 1).padEnd(4)} ${fmt(floor.full.rps, 0).padStart(11)} ${`${fmt((none.full.rps / floor.full.rps) * 100, 1)}%`.padStart(7)} ${`${fmt((rec.full.rps / floor.full.rps) * 100, 1)}%`.padStart(11)} ${`${fmt(floor.full.cpuUsPerRequest, 0)}/${fmt(none.full.cpuUsPerRequest, 0)}/${fmt(rec.full.cpuUsPerRequest, 0)}`.padStart(22)} ${`${fmt(none.paced.p99)}/${fmt(rec.paced.p99)} ms`.padStart(22)} ${`${fmt(rec.rssLoad ?? NaN, 1)}/${fmt(rec.rssFuzz ?? NaN, 1)} MiB`.padStart(20)} ${r.loadAfter[0]!.toFixed(2)}`);
      }
    }
    console.log(JSON.stringify({ node: process.version, heap: values.heap, duration, connections, rate, profile: values.profile, runs: all.map((r) => ({ loadBefore: r.loadBefore, loadAfter: r.loadAfter, servers: Object.fromEntries([...r.byServer].map(([n, f]) => [n, { full: { ...f.full, samples: undefined }, paced: f.paced, rssLoad: f.rssLoad, rssFuzz: f.rssFuzz, fuzz: f.fuzz && { ...f.fuzz, bad: f.fuzz.bad.slice(0, 5) } }])) })) }));
  } finally {
    cleanup();
    if (values['keep-log']) {
      // Every server's log (and whatever its node flags printed, e.g. --trace-gc), into this directory.
      await mkdir(values['keep-log'], { recursive: true });
      for (const f of await readdir(work)) if (f.endsWith('.log')) await copyFile(join(work, f), join(values['keep-log'], f));
    }
    await rm(work, { recursive: true, force: true });
  }
}

await main();
