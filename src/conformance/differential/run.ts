/**
 * Differential check against the reference Pod Security Admission implementation (Go, main.go here):
 * generates random pods around a restricted-compliant base, asks both sides for a decision at every
 * level and version, and prints the first disagreements. A tool for maintainers, not a test: it needs
 * the Go toolchain and the Go modules. See README.md.
 *
 *   npx tsx src/conformance/differential/run.ts --go /tmp/psa-reference [--pods 5000] [--seed 1]
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { parseConfig } from '../../config/load-config.js';
import { decide } from '../../core/decide.js';
import { evaluate } from '../../core/engine.js';
import { inputFromObject } from '../../core/input.js';
import { LATEST_PSS_VERSION } from '../../core/version.js';
import { buildPolicySet } from '../../policy-set/policy-set.js';
import { randomPods, withApiDefaults } from './pods.js';

const { values } = parseArgs({ options: { go: { type: 'string' }, pods: { type: 'string', default: '5000' }, seed: { type: 'string', default: '1' } } });
if (!values.go) {
  process.stderr.write('usage: run.ts --go <reference binary> [--pods N] [--seed S]\n');
  process.exit(2);
}
const count = Number(values.pods);
const pods = randomPods(count, Number(values.seed));

const reference = spawnSync(values.go, { input: pods.map((p) => JSON.stringify(withApiDefaults(p))).join('\n') + '\n', maxBuffer: 1 << 30 });
const expected = reference.stdout.toString().trim().split('\n');
if (reference.status !== 0 || expected.length !== count) {
  process.stderr.write(`reference failed (status ${String(reference.status)}): ${reference.stderr.toString()}\n`);
  process.exit(2);
}

const combos: { label: string; set: Awaited<ReturnType<typeof buildPolicySet>> }[] = [];
for (const level of ['baseline', 'restricted']) {
  for (let minor = 0; minor <= LATEST_PSS_VERSION.minor; minor++) {
    combos.push({ label: `${level} v1.${minor}`, set: await buildPolicySet(parseConfig(`profile: pss-${level}\npodSecurity: {version: v1.${minor}}\n`)) });
  }
}

let disagreeing = 0;
let decisions = 0;
let undecodable = 0;
pods.forEach((pod, i) => {
  const want = expected[i]!;
  if (want === 'E') {
    undecodable++;
    return;
  }
  const got = combos.map(({ set }) => (decide(evaluate(inputFromObject(pod), set.registry, set.engine)).allowed ? 'A' : 'D')).join('');
  decisions += got.length;
  if (got === want) return;
  disagreeing++;
  if (disagreeing <= 5) {
    const at = [...got].findIndex((ch, j) => ch !== want[j]);
    process.stdout.write(`pod ${i} at ${combos[at]?.label ?? '?'}: ours ${got[at]}, reference ${want[at]}\n  ${JSON.stringify(pod)}\n`);
  }
});
process.stdout.write(`${count} pods, ${decisions} decisions compared, ${disagreeing} pods disagree, ${undecodable} not decodable by the reference\n`);
process.exitCode = disagreeing > 0 ? 1 : 0;
