/**
 * Alerting benchmark (not a test): `npm run bench:alerts [-- --seconds 10 --rounds 3 --connections 10]`.
 *
 * Two webhook processes (`kube-posture serve`, built-in `recommended` profile) on this machine, the
 * same in every way but their configuration: one with no alert sinks, one with an Alertmanager sink
 * whose receiver HANGS (accepts connections, never answers), a Slack-compatible and a generic webhook
 * sink to receivers that answer at once. Every review is a privileged Pod under a name never seen
 * before, so every review is denied and makes new alerts (nothing collapses): the worst case for the
 * sinks. A third server, a second copy of the one without sinks, measures the noise: the ratio of
 * two identical servers is what "within noise" means on this machine at this moment. Rounds rotate
 * between the three (A B A' A B A' ...) to share the machine's noise; the throughput ratios (sinks /
 * no sinks, and no sinks' / no sinks) paired by round with their 95% confidence intervals, the server
 * CPU per request and a verdict are printed, with the alert metrics of the server with sinks (sent,
 * dropped, queue depth) at the end. On a shared host, many short rounds (`--seconds 3 --rounds 20`)
 * give a tighter interval than a few long ones.
 *
 * The Kubernetes Events sink needs an API server and is not part of this run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ensureDevCertificate } from '../src/serving/dev-cert.js';
import { parseConfig } from '../src/config/load-config.js';
import { buildPolicySet } from '../src/policy-set/policy-set.js';
import { evaluate } from '../src/core/engine.js';
import { decide } from '../src/core/decide.js';
import { inputFromObject } from '../src/core/input.js';
import { objectResult } from '../src/results/build.js';
import { startAlerting } from '../src/alerts/setup.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '10' },
  rounds: { type: 'string', default: '3' },
  connections: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '3' },
  // Share of reviews that are new denials (the rest: a compliant Pod, allowed). 1 = the worst case.
  'denied-share': { type: 'string', default: '1' },
  // Extra flags for the node process of the server with sinks, e.g. --cpu-prof.
  'node-flags': { type: 'string', default: '' },
  // Reviews per round of the in-process measure (0: skip it).
  'in-process': { type: 'string', default: '100000' },
} });
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const warmup = Number(values.warmup);
const deniedEvery = Math.max(1, Math.round(1 / Number(values['denied-share'])));

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
});
process.on('SIGINT', () => process.exit(130));

async function waitFor<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A receiver that answers 200 at once, or never (`hang`); it counts what it got. */
async function receiver(hang: boolean): Promise<{ url: string; count: () => number }> {
  let n = 0;
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      if (hang) held.push(res);
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n };
}

let serial = 0;
/** The captured privileged Pod review, under a new name (and uid) for every request. */
function reviewTemplate(review: Record<string, any>): string {
  const r = structuredClone(review);
  r.request.uid = '__UID__';
  r.request.name = '__NAME__';
  r.request.object.metadata.name = '__NAME__';
  delete r.request.object.metadata.uid;
  return JSON.stringify(r);
}

async function run(pid: number, port: number, template: string, duration: number, compliant: string): Promise<{ rps: number; cpuUs: number; errors: number }> {
  const cpu0 = await cpuSeconds(pid);
  const result = await autocannon({
    url: `https://127.0.0.1:${port}/validate?timeout=10s`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ method: 'POST', setupRequest: (req) => {
      const n = ++serial;
      if (n % deniedEvery !== 0) return { ...req, body: compliant };
      return { ...req, body: template.replaceAll('__NAME__', `bench-${n}`).replace('__UID__', `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`) };
    } }],
    connections,
    pipelining: 1,
    duration,
    servername: 'localhost',
  });
  const cpu = (await cpuSeconds(pid)) - cpu0;
  return { rps: result.requests.total / duration, cpuUs: (cpu / Math.max(1, result.requests.total)) * 1e6, errors: result.errors + result.timeouts + result.non2xx };
}

/**
 * The alerter's own cost, measured in this process where nothing else competes for the same counters:
 * the captured privileged Pod judged once by `recommended`, then handed to the real Alerter with the
 * same three sinks (real HTTP receivers, one hanging) under a new name each time, in slices that yield
 * to the event loop so deliveries, retries and timers run as in a server. The same loop without an
 * alerter is the baseline; rounds alternate. CPU is the process's (every thread: GC helpers included).
 */
async function inProcess(reviews: number, rounds: number, urls: { hanging: string; slack: string; siem: string }, pod: unknown): Promise<{ withUs: number[]; withoutUs: number[] }> {
  const set = await buildPolicySet(parseConfig('profile: recommended\n'));
  const judged = evaluate(inputFromObject(pod, { operation: 'CREATE' }), set.registry, set.engine);
  const decision = decide(judged);
  const config = parseConfig(['profile: recommended', 'alerts:', '  cluster: bench', '  sinks:',
    `    - { name: alertmanager-hanging, type: alertmanager, url: "${urls.hanging}", timeoutSeconds: 2 }`,
    `    - { name: slack, type: slack, url: "${urls.slack}/services/T0/B0/X" }`,
    `    - { name: siem, type: webhook, url: "${urls.siem}/intake" }`, ''].join('\n'));
  const alerting = await startAlerting(config.alerts, { registry: new Registry(), logger: pino({ level: 'silent' }), env: {}, source: 'admission' });
  if (alerting === undefined) throw new Error('no alerting started');
  let n = 0;
  const measure = async (alert: boolean): Promise<number> => {
    const cpu0 = process.cpuUsage();
    for (let done = 0; done < reviews; done += 500) {
      for (let i = 0; i < 500; i++) {
        // What the server does only when alerts are on: the neutral result for the observer, and the observer.
        if (alert) alerting.alerter.admission(objectResult({ apiVersion: 'v1', kind: 'Pod', name: `in-process-${++n}`, namespace: 'default', uid: '', resourceVersion: '' }, judged, decision), { dryRun: false, operation: 'CREATE' });
      }
      await new Promise((r) => setImmediate(r));
    }
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / reviews;
  };
  await measure(true);
  await measure(false);
  const withUs: number[] = [];
  const withoutUs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    withoutUs.push(await measure(false));
    withUs.push(await measure(true));
  }
  await alerting.alerter.close(0);
  return { withUs, withoutUs };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kp-bench-alerts-'));
  try {
    const cert = await ensureDevCertificate(work);
    const review = JSON.parse(await readFile(join(root, 'test', 'fixtures', 'reviews', 'captured', 'pod-create-privileged.json'), 'utf8')) as Record<string, any>;
    const template = reviewTemplate(review);
    const compliant = await readFile(join(root, 'test', 'fixtures', 'reviews', 'captured', 'pod-create-compliant.json'), 'utf8');
    const hanging = await receiver(true);
    const slack = await receiver(false);
    const siem = await receiver(false);
    await writeFile(join(work, 'none.yaml'), 'profile: recommended\n');
    await writeFile(join(work, 'sinks.yaml'), [
      'profile: recommended',
      'alerts:',
      '  cluster: bench',
      '  sinks:',
      `    - { name: alertmanager-hanging, type: alertmanager, url: "${hanging.url}", timeoutSeconds: 2 }`,
      `    - { name: slack, type: slack, url: "${slack.url}/services/T0/B0/X" }`,
      `    - { name: siem, type: webhook, url: "${siem.url}/intake" }`,
      '',
    ].join('\n'));

    const start = async (name: string): Promise<{ pid: number; port: number; metrics: string }> => {
      const logFile = join(work, `${name}.log`);
      const log = await open(logFile, 'w');
      const flags = name === 'sinks' ? values['node-flags']!.split(' ').filter(Boolean) : [];
      const proc = spawn(process.execPath, [...flags, '--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'serve', '--config', join(work, `${name}.yaml`), '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--tls-cert', cert.certFile, '--tls-key', cert.keyFile, '--cluster-context', 'off', '--log-level', 'info', '--reload-interval', '0'], { cwd: root, stdio: ['ignore', log.fd, 'inherit'] });
      children.push(proc);
      await log.close(); // the child has its own copy of the descriptor
      const text = () => readFile(logFile, 'utf8').catch(() => '');
      const port = Number(await waitFor(async () => /"url":"https:\/\/127\.0\.0\.1:(\d+)\/validate"/.exec(await text())?.[1], `the ${name} webhook`));
      const ops = await waitFor(async () => /"ops":"(http:\/\/[^"]+)"/.exec(await text())?.[1], `the ${name} ops server`);
      return { pid: proc.pid!, port, metrics: `${ops.replace('0.0.0.0', '127.0.0.1')}/metrics` };
    };
    const none = await start('none');
    const sinks = await start('sinks');
    // The control: the same configuration as `none`, its own process.
    await writeFile(join(work, 'control.yaml'), 'profile: recommended\n');
    const control = await start('control');

    console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(', ')} on ${cpus().length} CPUs; ${rounds} rounds of ${seconds}s per server, alternating, ${connections} connections; ${deniedEvery === 1 ? 'every review a new denied Pod' : `one review in ${deniedEvery} a new denied Pod, the others a compliant Pod`}`);
    await run(none.pid, none.port, template, warmup, compliant);
    await run(sinks.pid, sinks.port, template, warmup, compliant);
    await run(control.pid, control.port, template, warmup, compliant);
    const a: { rps: number; cpuUs: number; errors: number }[] = [];
    const b: typeof a = [];
    const c: typeof a = [];
    for (let i = 0; i < rounds; i++) {
      // The order rotates too, so no server always runs first (after a pause) or last.
      const order = [[none, a], [sinks, b], [control, c]] as const;
      for (let j = 0; j < 3; j++) {
        const [server, into] = order[(i + j) % 3]!;
        into.push(await run(server.pid, server.port, template, seconds, compliant));
      }
      console.log(`round ${i + 1}: no sinks ${a[i]!.rps.toFixed(0)} req/s (${a[i]!.cpuUs.toFixed(0)} µs CPU/req), sinks with one hanging ${b[i]!.rps.toFixed(0)} req/s (${b[i]!.cpuUs.toFixed(0)} µs CPU/req), no sinks' (control) ${c[i]!.rps.toFixed(0)} req/s (${c[i]!.cpuUs.toFixed(0)} µs CPU/req)`);
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const spread = (xs: number[]) => (Math.max(...xs) - Math.min(...xs)) / mean(xs);
    // Paired ratios: each round's servers run back to back, so a ratio within a round cancels most of
    // the machine's slow drift (a shared host's neighbours come and go over seconds). Their mean, with a
    // 95% confidence interval (Student's t), says how far apart two servers are and how sure that is.
    const tCrit = (df: number) => [12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.10, 2.09, 2.09][df - 1] ?? 2.0;
    const interval = (xs: number[]) => {
      const m = mean(xs);
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
      return { mean: m, half: xs.length > 1 ? tCrit(xs.length - 1) * sd / Math.sqrt(xs.length) : Infinity };
    };
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const rpsA = mean(a.map((r) => r.rps));
    const rpsB = mean(b.map((r) => r.rps));
    const rpsC = mean(c.map((r) => r.rps));
    console.log(`\nthroughput, means over rounds: no sinks ${rpsA.toFixed(0)} req/s (round-to-round spread ${pct(spread(a.map((r) => r.rps)))}), sinks ${rpsB.toFixed(0)} req/s (${pct(spread(b.map((r) => r.rps)))}), control ${rpsC.toFixed(0)} req/s (${pct(spread(c.map((r) => r.rps)))})`);
    const sinksRatio = interval(a.map((r, i) => b[i]!.rps / r.rps));
    const controlRatio = interval(a.map((r, i) => c[i]!.rps / r.rps));
    const sinksCpu = interval(a.map((r, i) => b[i]!.cpuUs / r.cpuUs));
    const controlCpu = interval(a.map((r, i) => c[i]!.cpuUs / r.cpuUs));
    console.log(`throughput ratio sinks/no sinks (paired by round): ${pct(sinksRatio.mean)} ± ${pct(sinksRatio.half)} (95% CI)`);
    console.log(`throughput ratio control/no sinks (two identical servers: the noise): ${pct(controlRatio.mean)} ± ${pct(controlRatio.half)}`);
    console.log(`server CPU per request, sinks/no sinks: ${pct(sinksCpu.mean)} ± ${pct(sinksCpu.half)} (control/no sinks ${pct(controlCpu.mean)} ± ${pct(controlCpu.half)})`);
    // Within noise: the sinks' throughput deficit is no larger than what separates two identical servers
    // in the same run (the control's deviation, or the precision of the measurement itself). Undecided
    // when that precision is too coarse to mean anything (the interval wider than ±10%).
    const deficit = 1 - sinksRatio.mean;
    const noise = Math.max(Math.abs(1 - controlRatio.mean), controlRatio.half, sinksRatio.half);
    console.log(`verdict: sinks cost ${pct(deficit)} of throughput against a noise of ${pct(noise)}: ${noise > 0.1 ? 'UNDECIDED (the machine is too noisy to tell: noise above 10%; run it on a quieter machine or with more rounds)' : deficit <= noise ? 'WITHIN NOISE' : 'NOT within noise'}`);
    console.log(`errors: no sinks ${a.reduce((s, r) => s + r.errors, 0)}, sinks ${b.reduce((s, r) => s + r.errors, 0)}, control ${c.reduce((s, r) => s + r.errors, 0)}`);
    const metrics = await (await fetch(sinks.metrics)).text();
    const lines = metrics.split('\n').filter((l) => l.startsWith('kube_posture_alerts_'));
    console.log(`receivers got: slack ${slack.count()} messages, siem ${siem.count()} documents, hanging alertmanager ${hanging.count()} requests (never answered)`);
    console.log(`alert metrics of the server with sinks:\n  ${lines.join('\n  ')}`);
    const reviewsInProcess = Number(values['in-process']);
    if (reviewsInProcess > 0) {
      const m = await inProcess(reviewsInProcess, rounds, { hanging: hanging.url, slack: slack.url, siem: siem.url }, review.request.object);
      const added = m.withUs.map((w, i) => w - m.withoutUs[i]!);
      const serverUs = mean(a.map((r) => r.cpuUs));
      console.log(`\nin-process, ${reviewsInProcess} denied reviews a round, ${rounds} rounds: the alerter adds ${mean(added).toFixed(2)} µs of CPU per review (rounds ${added.map((x) => x.toFixed(2)).join(', ')}; the loop without it ${mean(m.withoutUs).toFixed(2)} µs), which is ${pct(mean(added) / serverUs)} of the server's ${serverUs.toFixed(0)} µs per review without sinks above`);
    }
    console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await rm(work, { recursive: true, force: true });
  }
}

await main();
