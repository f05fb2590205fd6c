/**
 * What the webhook adds to a Pod create, measured through a real kube-apiserver (not a test; no
 * pass/fail bar): `npm run bench:apiserver [-- --clients 8 --seconds 20 --rounds 2]`.
 *
 * Starts the e2e suite's etcd + kube-apiserver (test/e2e/harness, binaries in test/e2e/.bin) and the
 * webhook as a real process (`kube-posture serve` with the chart's rendered configuration, the
 * `recommended` profile, under the chart's NODE_OPTIONS heap flag), then drives N concurrent clients,
 * each creating Pods one after another: `POST /api/v1/namespaces/bench/pods` over HTTPS keep-alive
 * with the harness's bearer token (no kubectl process per request). What is measured is the
 * apiserver's answer time for a stored create: authentication, admission (with the webhook: the
 * chart's ValidatingWebhookConfiguration, whose deny and warn webhooks have disjoint rules under
 * enforce, so one webhook call per Pod), etcd write, response. The phases alternate without and with
 * the webhook registered, in the same run (`--rounds` times each), so both see the same machine;
 * p50/p99 of each and the difference are printed with the load average. The webhook runs from source
 * through tsx, as in the e2e suite.
 */
import { request as httpsRequest, Agent } from 'node:https';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { apply, createNamespace, startCluster, type Cluster } from '../test/e2e/harness/cluster.js';
import { DENY_WEBHOOK, RELEASE, registerChartWebhooks, renderKubePosture, startKubePosture } from '../test/e2e/harness/kube-posture.js';
import { waitForWebhook } from '../test/e2e/harness/webhook.js';

const { values } = parseArgs({ options: {
  clients: { type: 'string', default: '8' },
  seconds: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '3' },
  rounds: { type: 'string', default: '2' },
  // The chart's NODE_OPTIONS for its 256Mi limit; 0 = none.
  heap: { type: 'string', default: '160' },
} });
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const NS = 'bench';

/** A Pod the recommended profile admits (restricted-compliant, probes, resources, a pinned tag). */
function pod(seq: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `checkout-${seq.toString(36)}`, namespace: NS, labels: { 'app.kubernetes.io/name': 'checkout' } },
    spec: {
      serviceAccountName: 'checkout',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'checkout',
        image: 'registry.example.com/shop/checkout:2.14.1',
        ports: [{ name: 'http', containerPort: 8080 }],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
        readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      }],
    },
  });
}

interface Phase { name: string; latencies: number[]; created: number; failed: number; firstFailure?: string; seconds: number }

let seq = 0;
function createPod(cluster: Cluster, agent: Agent): Promise<{ ms: number; status: number; body: string }> {
  const body = pod(seq++);
  const url = new URL(`/api/v1/namespaces/${NS}/pods`, cluster.server);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = httpsRequest(url, { method: 'POST', agent, headers: { authorization: `Bearer ${cluster.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', (e) => resolve({ ms: performance.now() - t0, status: 0, body: e.message }));
    req.end(body);
  });
}

async function drive(cluster: Cluster, name: string, forSeconds: number): Promise<Phase> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients, ca: cluster.caPem });
  const phase: Phase = { name, latencies: [], created: 0, failed: 0, seconds: forSeconds };
  const end = performance.now() + forSeconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      const r = await createPod(cluster, agent);
      if (r.status === 201) {
        phase.created++;
        phase.latencies.push(r.ms);
      } else {
        phase.failed++;
        phase.firstFailure ??= `${r.status}: ${r.body.slice(0, 300)}`;
      }
    }
  }));
  agent.destroy();
  return phase;
}

const pct = (sorted: number[], p: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(', ');

function summary(phases: Phase[]): { p50: number; p99: number; n: number; rps: number; failed: number } {
  const all = phases.flatMap((p) => p.latencies).sort((a, b) => a - b);
  const secs = phases.reduce((s, p) => s + p.seconds, 0);
  return { p50: pct(all, 50), p99: pct(all, 99), n: all.length, rps: all.length / secs, failed: phases.reduce((s, p) => s + p.failed, 0) };
}

async function main(): Promise<void> {
  console.log(`apiserver benchmark: ${clients} concurrent clients creating Pods, ${seconds}s per phase, ${rounds} round(s) of without/with the webhook, node ${process.version}, ${cpus().length} CPUs; load average ${load()}`);
  const cluster = await startCluster();
  let stopServer: (() => Promise<void>) | undefined;
  try {
    await createNamespace(cluster, RELEASE.namespace);
    await createNamespace(cluster, NS);
    const sa = await apply(cluster, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'checkout', namespace: NS } });
    if (sa.code !== 0) throw new Error(`creating the service account failed: ${sa.stderr}`);
    const render = await renderKubePosture({});
    // The chart's heap flag for the webhook process only (the harness passes this process's environment on).
    const savedNodeOptions = process.env.NODE_OPTIONS;
    if (Number(values.heap) > 0) process.env.NODE_OPTIONS = `${savedNodeOptions ?? ''} --max-old-space-size=${Number(values.heap)}`.trim();
    const server = await startKubePosture(cluster, { configYaml: render.configYaml, args: ['--profile', 'recommended'] });
    if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = savedNodeOptions;
    stopServer = () => server.dispose();
    const vwc = render.webhookConfiguration!;
    const vwcName = (vwc.metadata as { name: string }).name;

    const phases: Phase[] = [];
    const reviewsLogged = (): number => server.logLines().filter((l) => l['namespace'] === NS && typeof l['msg'] === 'string' && String(l['msg']).startsWith('admission review')).length;
    for (let round = 1; round <= rounds; round++) {
      // Without: the webhook configuration removed (the apiserver drops it through its informer).
      if (round > 1) {
        const del = await cluster.kubectl(['delete', 'validatingwebhookconfiguration', vwcName, '--wait=true']);
        if (del.code !== 0) throw new Error(`removing the webhook configuration failed: ${del.stderr}`);
        // Until creates are no longer reviewed (the apiserver has dropped the configuration).
        for (let i = 0; i < 100 && !(await settled(cluster, reviewsLogged)); i++) await new Promise((r) => setTimeout(r, 300));
      }
      await drive(cluster, 'warm-up', warmup);
      phases.push(await drive(cluster, `round ${round}: without the webhook`, seconds));
      const lastWithout = phases[phases.length - 1]!;
      await registerChartWebhooks(cluster, render, server.url, server.ca.cert);
      await waitForWebhook(cluster, { manifest: privilegedPod(), namespace: NS, webhookName: DENY_WEBHOOK });
      const reviewed0 = reviewsLogged();
      await drive(cluster, 'warm-up', warmup);
      const withPhase = await drive(cluster, `round ${round}: with the webhook`, seconds);
      phases.push(withPhase);
      await new Promise((r) => setTimeout(r, 500)); // the server's log is buffered (200 ms flush)
      const reviewed = reviewsLogged() - reviewed0;
      console.log(`${lastWithout.name}: ${lastWithout.created} created, ${lastWithout.failed} failed${lastWithout.firstFailure ? ` (first: ${lastWithout.firstFailure})` : ''}`);
      console.log(`${withPhase.name}: ${withPhase.created} created, ${withPhase.failed} failed${withPhase.firstFailure ? ` (first: ${withPhase.firstFailure})` : ''}; the webhook logged ${reviewed} reviews in the bench namespace (warm-up included; one webhook call per Pod: the chart's rules are disjoint under enforce)`);
    }
    const without = summary(phases.filter((p) => p.name.includes('without')));
    const withHook = summary(phases.filter((p) => p.name.includes('with the')));
    console.log(`\n${''.padEnd(22)} ${'creates'.padStart(8)} ${'creates/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'failed'.padStart(7)}`);
    for (const [name, s] of [['without the webhook', without], ['with the webhook', withHook]] as const) {
      console.log(`${name.padEnd(22)} ${String(s.n).padStart(8)} ${fmt(s.rps, 1).padStart(10)} ${fmt(s.p50).padStart(8)} ${fmt(s.p99).padStart(8)} ${String(s.failed).padStart(7)}`);
    }
    console.log(`\nthe webhook adds: p50 ${fmt(withHook.p50 - without.p50)} ms, p99 ${fmt(withHook.p99 - without.p99)} ms per Pod create (${clients} concurrent clients; apiserver, etcd, the webhook and this client share ${cpus().length} CPUs)`);
    for (const p of phases) {
      const s = [...p.latencies].sort((a, b) => a - b);
      console.log(`  ${p.name.padEnd(32)} p50 ${fmt(pct(s, 50)).padStart(7)} ms, p99 ${fmt(pct(s, 99)).padStart(7)} ms, ${p.created} creates`);
    }
    console.log(`load average (1, 5, 15 min) at the end: ${load()}`);
    console.log(JSON.stringify({ clients, seconds, rounds, without, with: withHook, loadavg: loadavg() }));
  } finally {
    await stopServer?.().catch(() => undefined);
    await cluster.stop();
  }
}

function privilegedPod(): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', namespace: NS }, spec: { serviceAccountName: 'checkout', containers: [{ name: 'c', image: 'registry.example.com/x:1', securityContext: { privileged: true } }] } };
}

/** True once two creates in a row were not reviewed (the apiserver no longer calls the webhook). */
async function settled(cluster: Cluster, reviewsLogged: () => number): Promise<boolean> {
  const before = reviewsLogged();
  const agent = new Agent({ keepAlive: false, ca: cluster.caPem });
  await createPod(cluster, agent);
  await createPod(cluster, agent);
  await new Promise((r) => setTimeout(r, 400));
  return reviewsLogged() === before;
}

await main();
