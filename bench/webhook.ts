/**
 * Webhook benchmark (not a test): `npm run bench:webhook [-- --duration 60 --connections 10]`.
 *
 * Starts, as separate processes on this machine,
 *   - the webhook: `node dist/src/cli/main.js serve --profile recommended` (the build), and
 *   - a bare Fastify HTTPS server that parses the body and answers `allowed: true`,
 * with the same certificate and TLS settings, and drives both from this process with autocannon over
 * HTTPS keep-alive, sending a realistic Deployment AdmissionReview. Reports requests/s, p50/p99/p99.9
 * latency and the ratio; p99 at a fixed 1,000 requests/s; and the webhook's RSS after the full run.
 *
 * Latencies are taken from every response (autocannon's own histogram has 1 ms resolution).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, open } from 'node:fs/promises';
import { request as httpsRequest, Agent } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureDevCertificate } from '../src/serving/dev-cert.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: {
  duration: { type: 'string', default: '60' },
  connections: { type: 'string', default: '10' },
  rate: { type: 'string', default: '1000' },
  'rate-duration': { type: 'string' },
  warmup: { type: 'string', default: '5' },
  profile: { type: 'string', default: 'recommended' },
  // Extra flags for the webhook's node process, e.g. --trace-gc (its stdout is the log file).
  'node-flags': { type: 'string', default: '' },
  'log-level': { type: 'string', default: 'info' },
  // Copy the webhook's log (and whatever the node flags printed) here at the end.
  'keep-log': { type: 'string' },
} });
const duration = Number(values.duration);
const connections = Number(values.connections);
const rate = Number(values.rate);
const rateDuration = Number(values['rate-duration'] ?? Math.min(30, duration));
const warmup = Number(values.warmup);

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

function post(port: number, ca: string, payload: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/validate?timeout=10s', ca, servername: 'localhost', headers: { 'content-type': 'application/json' } }, (res) => {
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
  return { rps: result.requests.total / seconds, cpuUsPerRequest: (cpu / Math.max(1, result.requests.total)) * 1e6, p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), requests: result.requests.total, errors: result.errors + result.timeouts, non2xx: result.non2xx };
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

const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kp-bench-'));
  try {
    const cert = await ensureDevCertificate(work);
    const ca = await readFile(cert.certFile, 'utf8');
    const payload = await readFile(join(root, 'bench', 'webhook-deployment-review.json'), 'utf8');

    // Bare server.
    const bare = spawn(process.execPath, [join(root, 'bench', 'webhook-bare-server.mjs'), '--cert', cert.certFile, '--key', cert.keyFile], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(bare);
    let bareOut = '';
    bare.stdout!.on('data', (c: Buffer) => (bareOut += c.toString()));
    const barePort = Number(await waitFor(async () => /listening (\d+)/.exec(bareOut)?.[1], 'the bare server'));

    // Webhook, logging at info to a file (one JSON line per review, as in production).
    const logFile = join(work, 'webhook.log');
    const log = await open(logFile, 'w');
    const hook = spawn(process.execPath, [...values['node-flags']!.split(' ').filter(Boolean), join(root, 'dist', 'src', 'cli', 'main.js'), 'serve', '--profile', values.profile!, '--host', '127.0.0.1', '--port', '0', '--tls-cert', cert.certFile, '--tls-key', cert.keyFile, '--cluster-context', 'off', '--log-level', values['log-level']!], { cwd: root, stdio: ['ignore', log.fd, 'inherit'] });
    children.push(hook);
    const hookPort = Number(await waitFor(async () => /"url":"https:\/\/127\.0\.0\.1:(\d+)\/validate"/.exec(await readFile(logFile, 'utf8').catch(() => ''))?.[1], 'the webhook'));
    const loaded = /"policies":(\d+)/.exec(await readFile(logFile, 'utf8'))?.[1];

    // Both answer the review correctly before anything is measured.
    for (const [name, port] of [['bare', barePort], ['webhook', hookPort]] as const) {
      const r = await post(port, ca, payload);
      const body = JSON.parse(r.body) as { response?: { uid?: string; allowed?: boolean; warnings?: string[] } };
      if (r.status !== 200 || body.response?.uid !== '6a1f0d52-3d1b-4f0e-9c43-2b7f1b0f9e21') throw new Error(`${name} answered ${r.status}: ${r.body.slice(0, 200)}`);
      if (name === 'webhook') console.log(`webhook: profile ${values.profile}, ${loaded ?? '?'} policies enabled; answer to the benchmark review: allowed=${body.response.allowed}, ${body.response.warnings?.length ?? 0} warning(s)`);
    }

    console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(', ')}; warm-up ${warmup}s each, then ${duration}s at full speed each, ${connections} keep-alive connections; then ${rateDuration}s at ${rate} requests/s`);
    const [bp, hp] = [bare.pid!, hook.pid!];
    await run(bp, barePort, payload, warmup);
    await run(hp, hookPort, payload, warmup);
    const bareMax = await run(bp, barePort, payload, duration);
    const hookMax = await run(hp, hookPort, payload, duration);
    const rss = await rssMiB(hp);
    const bareRate = await paced(bp, barePort, ca, payload, rateDuration, rate);
    const hookRate = await paced(hp, hookPort, ca, payload, rateDuration, rate);

    const row = (name: string, r: RunResult): string => `${name.padEnd(22)} ${fmt(r.rps, 0).padStart(8)} ${fmt(r.p50).padStart(8)} ${fmt(r.p99).padStart(8)} ${fmt(r.p999).padStart(8)} ${fmt(r.cpuUsPerRequest, 0).padStart(10)} ${String(r.errors + r.non2xx).padStart(7)}`;
    console.log(`\n${'run'.padEnd(22)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'p99.9 ms'.padStart(8)} ${'CPU µs/req'.padStart(10)} ${'errors'.padStart(7)}`);
    console.log(row('bare, full speed', bareMax));
    console.log(row('webhook, full speed', hookMax));
    console.log(row(`bare, ${rate}/s`, bareRate));
    console.log(row(`webhook, ${rate}/s`, hookRate));
    const ratio = hookMax.rps / bareMax.rps;
    console.log(`\nthroughput ratio webhook/bare: ${fmt(ratio * 100, 1)}% (target >= 70%)`);
    console.log(`server CPU per request, bare/webhook: ${fmt((bareMax.cpuUsPerRequest / hookMax.cpuUsPerRequest) * 100, 1)}% (the same ratio measured as CPU cost, less sensitive to other load on the machine)`);
    console.log(`machine load average (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(2)).join(', ')} on ${cpus().length} CPUs`);
    console.log(`webhook p99 at ${rate}/s: ${fmt(hookRate.p99)} ms (target < 5 ms); client lag p99 ${fmt(hookRate.clientLagP99 ?? NaN)} ms (bare run: ${fmt(bareRate.clientLagP99 ?? NaN)} ms)`);
    console.log(`webhook RSS after the ${duration}s full-speed run: ${fmt(rss, 1)} MiB (target < 150 MiB)`);
    console.log(JSON.stringify({ loadavg: loadavg(), duration, connections, profile: values.profile, policies: Number(loaded), bare: bareMax, webhook: hookMax, ratio, bareAtRate: bareRate, webhookAtRate: hookRate, rssMiB: rss }));
  } finally {
    cleanup();
    if (values['keep-log']) await copyFile(join(work, 'webhook.log'), values['keep-log']).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
