/**
 * Engine benchmark (not a test): evaluations per second of the `recommended` profile against a
 * realistic Deployment and a Pod (a distinct parsed copy for every evaluation, as the webhook sees them),
 * on one core (the evaluation is synchronous JavaScript), and the
 * ten most expensive policies. Runs compiled (tsc) code, as production does: the TypeScript loader used
 * in tests adds a name-keeping call to every function creation that would distort the figures.
 * Usage: npm run bench:engine [-- --seconds 5 --profile recommended]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { parse } from 'yaml';
import { buildPolicySet } from '../src/policy-set/policy-set.js';
import { parseConfig } from '../src/config/load-config.js';
import { evaluate, decide, inputFromObject, directRunner, type PolicyRunner } from '../src/core/index.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, profile: { type: 'string', default: 'recommended' } } });
const seconds = Number(values.seconds);
const set = await buildPolicySet(parseConfig(`profile: ${values.profile}\n`));
// Objects are read from the source tree, so the compiled benchmark (dist/bench) finds them too.
const read = (name: string) => parse(readFileSync(`bench/objects/${name}`, 'utf8')) as unknown;
const nsLabels = { 'kubernetes.io/metadata.name': 'shop' };
const inputs = {
  Deployment: inputFromObject(read('deployment.yaml'), { namespaceLabels: nsLabels, userInfo: { username: 'system:serviceaccount:argocd:argocd-application-controller', groups: ['system:serviceaccounts'] } }),
  Pod: inputFromObject(read('pod.yaml'), { namespaceLabels: nsLabels, userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' } }),
};

console.log(`kube-posture engine benchmark: profile ${values.profile}, ${set.engine.enabled.length} policies enabled, node ${process.version}, ${seconds}s per object; load average ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
// Every evaluation gets a distinct copy of the object, parsed from JSON as the webhook parses a review:
// re-evaluating one object would be flattered by per-object caches and warm inline caches.
const POOL = 2048;
for (const [kind, input] of Object.entries(inputs)) {
  const text = JSON.stringify(input.object);
  const pool = Array.from({ length: POOL }, () => ({ ...input, object: JSON.parse(text) as unknown }));
  const sample = evaluate(input, set.registry, set.engine);
  // Warm up the JIT, then measure whole evaluations including the decision.
  for (let i = 0; i < 2000; i++) decide(evaluate(pool[i % POOL]!, set.registry, set.engine));
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 256; i++) decide(evaluate(pool[(n + i) % POOL]!, set.registry, set.engine));
    n += 256;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  // CPU time as well as wall time: on a shared machine the wall time includes the time other processes ran.
  const cpu = process.cpuUsage(cpu0);
  console.log(`${kind.padEnd(11)} ${Math.round(n / elapsed).toLocaleString('en-US').padStart(10)} evaluations/s  (${((elapsed / n) * 1e6).toFixed(1)} µs each, ${((cpu.user + cpu.system) / n).toFixed(1)} µs of CPU, ${sample.outcomes.length} policies ran, ${sample.findings.length} findings)`);
}

// The same evaluations timed one by one, alone and between the work a server does around each one
// (parse a fresh 12 KiB review, serialize an answer, allocate what the HTTP layer allocates). The
// difference is what the surrounding work costs the evaluation itself: caches and the young
// generation shared with everything else (docs/adr/0007-evaluation-plan.md).
{
  const review = readFileSync('bench/webhook-deployment-review.json', 'utf8');
  const deploymentInput = inputs.Deployment;
  // 8 MiB walked between evaluations evicts the CPU caches, as the server's other work does between two
  // reviews (TLS, parsing, logging, and on a busy machine the processes that preempt it).
  const evictor = new Float64Array((8 * 1024 * 1024) / 8);
  const timeEach = (around: boolean, rounds: number, evict = false): { evalUs: number; gcFreeMedianUs: number } => {
    const each = new Float64Array(rounds);
    let sum = 0n;
    let sink = 0;
    for (let i = 0; i < rounds; i++) {
      let input = deploymentInput;
      if (evict) for (let j = 0; j < evictor.length; j += 8) sink += (evictor[j] = evictor[j]! + 1);
      if (around) {
        const parsed = JSON.parse(review) as { request: { object: unknown } };
        input = { ...deploymentInput, object: parsed.request.object };
        sink += JSON.stringify({ response: { uid: String(i), allowed: true, warnings: ['a', 'b'] } }).length;
        sink += Buffer.alloc(16 * 1024).length;
      } else input = { ...deploymentInput, object: JSON.parse(JSON.stringify(deploymentInput.object)) as unknown };
      const t0 = process.hrtime.bigint();
      decide(evaluate(input, set.registry, set.engine));
      const d = process.hrtime.bigint() - t0;
      sum += d;
      each[i] = Number(d) / 1000;
    }
    if (sink < 0) console.log(sink);
    each.sort();
    return { evalUs: Number(sum) / rounds / 1000, gcFreeMedianUs: each[rounds >> 1]! };
  };
  for (const around of [false, true, false, true]) timeEach(around, 2000);
  const rounds = Math.max(5000, Math.round(seconds * 8000));
  const alone = timeEach(false, rounds);
  const inServerLike = timeEach(true, rounds);
  const cold = timeEach(false, Math.round(rounds / 4), true);
  console.log(`\nDeployment evaluate+decide timed one by one: alone ${alone.evalUs.toFixed(1)} µs mean (median ${alone.gcFreeMedianUs.toFixed(1)}), between parse/serialize/allocation as in the server ${inServerLike.evalUs.toFixed(1)} µs mean (median ${inServerLike.gcFreeMedianUs.toFixed(1)}), with the caches evicted before each (8 MiB walked) ${cold.evalUs.toFixed(1)} µs mean (median ${cold.gcFreeMedianUs.toFixed(1)})`);
}

// Cost per policy: time each check through a measuring runner, over the Deployment.
const cost = new Map<string, { ns: bigint; calls: number }>();
const measuring: PolicyRunner = {
  run(policy, call) {
    const t0 = process.hrtime.bigint();
    const r = directRunner.run(policy, call);
    const c = cost.get(policy.id) ?? { ns: 0n, calls: 0 };
    c.ns += process.hrtime.bigint() - t0;
    c.calls++;
    cost.set(policy.id, c);
    return r;
  },
};
for (let i = 0; i < 20000; i++) evaluate(inputs.Deployment, set.registry, set.engine, { runner: measuring });
const top = [...cost.entries()].map(([id, c]) => ({ id, us: Number(c.ns) / c.calls / 1000 })).sort((a, b) => b.us - a.us).slice(0, 10);
console.log('\nten most expensive policies on the Deployment (mean per call, including timer overhead):');
for (const { id, us } of top) console.log(`  ${id.padEnd(44)} ${us.toFixed(2).padStart(7)} µs`);
