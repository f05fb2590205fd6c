/**
 * Webhook pipeline benchmark (not a test): the cost of each stage of one review, in process, without
 * HTTP or TLS: JSON parse, review validation, evaluation (through the server's deadline runner),
 * decision, answer serialization, the per-request log line and metrics. Shows where the webhook's own
 * time goes; `bench:webhook` measures the whole server.
 * Usage: npm run bench:pipeline [-- --seconds 2 --profile recommended]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load-config.js';
import { buildPolicySet } from '../src/policy-set/policy-set.js';
import { guardedRunner } from '../src/guard/guard.js';
import { deadlineRunner } from '../src/guard/deadline-runner.js';
import { evaluate, decide } from '../src/core/index.js';
import { inputFromRequest, parseReview, reviewResponse, type ParsedReview } from '../src/admission/review.js';
import { createLogger } from '../src/admission/logger.js';
import { createMetrics } from '../src/admission/metrics.js';
import { Writable } from 'node:stream';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' }, profile: { type: 'string', default: 'recommended' } } });
const seconds = Number(values.seconds);
const set = await buildPolicySet(parseConfig(`profile: ${values.profile}\n`));
const runner = guardedRunner({ timeoutMs: set.engine.timeoutMs });
const body = readFileSync('bench/webhook-deployment-review.json', 'utf8');
const sink = new Writable({ write(_c, _e, cb) { cb(); } });
const logger = createLogger({ level: 'info', destination: sink as never });
const metrics = createMetrics();

function time(name: string, fn: (i: number) => unknown): void {
  for (let i = 0; i < 3000; i++) fn(i);
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 128; i++) fn(n + i);
    n += 128;
    now = performance.now();
  }
  console.log(`${name.padEnd(40)} ${(((now - start) / n) * 1000).toFixed(2).padStart(8)} µs`);
}

const POOL = 1024;
const parsedPool = Array.from({ length: POOL }, () => parseReview(JSON.parse(body)) as { ok: true; review: ParsedReview });
const inputs = parsedPool.map((p) => inputFromRequest(p.review.request, { 'kubernetes.io/metadata.name': 'shop' }));
const results = inputs.map((i) => evaluate(i, set.registry, set.engine));
const decisions = results.map((r) => decide(r));

console.log(`webhook pipeline, profile ${values.profile}, ${set.engine.enabled.length} policies, ${Buffer.byteLength(body)} byte review, node ${process.version}`);
time('JSON.parse', () => JSON.parse(body));
time('parseReview', (i) => parseReview(JSON.parse(body)) && i);
time('evaluate (direct runner)', (i) => evaluate(inputs[i % POOL]!, set.registry, set.engine));
time('evaluate (deadline runner)', (i) => evaluate(inputs[i % POOL]!, set.registry, set.engine, { runner: deadlineRunner(runner, performance.now() + 10_000, () => performance.now()) }));
time('decide', (i) => decide(results[i % POOL]!));
time('reviewResponse + JSON.stringify', (i) => JSON.stringify(reviewResponse(parsedPool[i % POOL]!.review, decisions[i % POOL]!)));
time('log: child + info', (i) => {
  const r = parsedPool[i % POOL]!.review.request;
  logger.child({ uid: r.uid, kind: 'apps/v1/Deployment', namespace: r.namespace, name: r.name, operation: r.operation, user: r.userInfo?.username }).info({ decision: 'allowed', mode: 'enforce', durationMs: 0.123, generation: 1, warned: ['a@spec.x', 'b@spec.y'] }, 'admission review');
});
time('metrics', (i) => {
  metrics.review('CREATE', 'apps/v1/Deployment', 'allowed', false, 0.0002);
  for (const o of results[i % POOL]!.outcomes) metrics.outcome(o.policyId, o.outcome, false);
});
time('whole pipeline (no HTTP)', (i) => {
  const p = parseReview(JSON.parse(body)) as { ok: true; review: ParsedReview };
  const input = inputFromRequest(p.review.request, { 'kubernetes.io/metadata.name': 'shop' });
  const result = evaluate(input, set.registry, set.engine, { runner: deadlineRunner(runner, performance.now() + 10_000, () => performance.now()) });
  const d = decide(result);
  for (const o of result.outcomes) metrics.outcome(o.policyId, o.outcome, false);
  logger.child({ uid: p.review.request.uid, operation: 'CREATE' }).info({ decision: 'allowed' }, 'admission review');
  return JSON.stringify(reviewResponse(p.review, d)) && i;
});
time('JSON.parse + evaluate (fresh object)', () => {
  const p = parseReview(JSON.parse(body)) as { ok: true; review: ParsedReview };
  return evaluate(inputFromRequest(p.review.request, { 'kubernetes.io/metadata.name': 'shop' }), set.registry, set.engine);
});

// Cost per policy on this review (fresh parsed copies), through a measuring runner.
const cost = new Map<string, { ns: bigint; calls: number; fails: number }>();
const measuring = {
  run(policy: { id: string }, call: () => unknown[]) {
    const t0 = process.hrtime.bigint();
    let violations: unknown[] = [];
    try { violations = call(); } catch { /* counted as a pass here */ }
    const c = cost.get(policy.id) ?? { ns: 0n, calls: 0, fails: 0 };
    c.ns += process.hrtime.bigint() - t0;
    c.calls++;
    if (violations.length > 0) c.fails++;
    cost.set(policy.id, c);
    return { ok: true as const, violations: violations as never[] };
  },
};
for (let i = 0; i < 20000; i++) evaluate(inputs[i % POOL]!, set.registry, set.engine, { runner: measuring });
const ranked = [...cost.entries()].map(([id, c]) => ({ id, us: Number(c.ns) / c.calls / 1000, failing: c.fails > 0 })).sort((a, b) => b.us - a.us);
const sum = ranked.reduce((s, r) => s + r.us, 0);
console.log(`\n${ranked.length} policies ran on the review, ${sum.toFixed(1)} µs in checks; the ten most expensive (mean per call, timer included):`);
for (const { id, us, failing } of ranked.slice(0, 10)) console.log(`  ${id.padEnd(44)} ${us.toFixed(2).padStart(7)} µs${failing ? '  (finds a violation)' : ''}`);
// What the engine itself costs around the checks: the same evaluation with every check skipped.
const skipping = { run: () => ({ ok: true as const, violations: [] as never[] }) };
time('evaluate, checks skipped (engine only)', (i) => evaluate(inputs[i % POOL]!, set.registry, set.engine, { runner: skipping }));
