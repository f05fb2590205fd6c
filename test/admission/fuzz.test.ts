import t from 'tap';
import { harness, loadReview } from './fixtures/harness.js';

/** mulberry32: a small seeded PRNG, so a failure reproduces from the seed printed with it. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0x6b70;
const COUNT = 600;

t.test(`fuzz: ${COUNT} malformed and random bodies (seed ${SEED}) get a well-formed answer`, async (t) => {
  const h = await harness();
  const rnd = prng(SEED);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const templates = ['pod-create-privileged.json', 'deployment-create-v1beta1.json', 'clusterrole-create-wildcard.json', 'pod-ephemeralcontainers-privileged.json', 'networkpolicy-delete.json', 'secret-create.json'].map(loadReview);

  const randomValue = (depth: number): unknown => {
    switch (int(depth > 3 ? 6 : 9)) {
      case 0: return null;
      case 1: return rnd() < 0.5;
      case 2: return (rnd() - 0.5) * 10 ** int(20);
      case 3: return pick(['', 'CREATE', 'Pod', 'admission.k8s.io/v1', '\u0000', '🙂'.repeat(int(50)), 'x'.repeat(int(2000))]);
      case 4: return int(1000);
      case 5: return pick([NaN, -0, 1e308]);
      case 6: return Array.from({ length: int(5) }, () => randomValue(depth + 1));
      default: return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(['uid', 'kind', 'request', 'object', 'spec', 'containers', 'operation', '__proto__', 'constructor', 'x']), randomValue(depth + 1)]));
    }
  };
  /** Replaces or deletes one random nested field of a valid review. */
  const mutate = (review: Record<string, any>): Record<string, any> => {
    const r = structuredClone(review);
    let node: any = r;
    for (let depth = 0; depth < 6; depth++) {
      const keys = node && typeof node === 'object' ? Object.keys(node) : [];
      if (keys.length === 0) break;
      const k = pick(keys);
      if (rnd() < 0.35 || typeof node[k] !== 'object' || node[k] === null) {
        if (rnd() < 0.3) delete node[k];
        else node[k] = randomValue(0);
        break;
      }
      node = node[k];
    }
    return r;
  };
  const bodies: { kind: string; payload: string | Buffer; contentType?: string }[] = [];
  for (let i = 0; i < COUNT; i++) {
    const choice = int(6);
    if (choice === 0) bodies.push({ kind: 'random bytes', payload: Buffer.from(Array.from({ length: int(300) }, () => int(256))) });
    else if (choice === 1) bodies.push({ kind: 'random JSON', payload: JSON.stringify(randomValue(0)) ?? 'null' });
    else if (choice === 2) {
      const text = JSON.stringify(pick(templates));
      bodies.push({ kind: 'truncated review', payload: text.slice(0, int(text.length)) });
    } else if (choice === 3) bodies.push({ kind: 'odd content type', payload: JSON.stringify(mutate(pick(templates))), contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x']) });
    else bodies.push({ kind: 'mutated review', payload: JSON.stringify(mutate(pick(templates))) });
  }

  let reviews = 0;
  let errors = 0;
  for (const [i, b] of bodies.entries()) {
    const res = await h.app.inject({ method: 'POST', url: '/validate?timeout=10s', headers: { 'content-type': b.contentType ?? 'application/json' }, payload: b.payload });
    let body: any;
    try {
      body = res.json();
    } catch {
      t.fail(`#${i} (${b.kind}): answer is not JSON: ${res.statusCode}`);
      continue;
    }
    if (res.statusCode === 200) {
      reviews++;
      const ok = body.kind === 'AdmissionReview' && typeof body.response?.uid === 'string' && typeof body.response.allowed === 'boolean' && (body.apiVersion === 'admission.k8s.io/v1' || body.apiVersion === 'admission.k8s.io/v1beta1') && body.response.patch === undefined;
      if (!ok) t.fail(`#${i} (${b.kind}): 200 without a valid AdmissionReview`);
      if (!body.response.allowed && !(body.response.status?.code === 403 && typeof body.response.status.message === 'string')) t.fail(`#${i}: deny without a 403 status`);
    } else if (res.statusCode === 400 || res.statusCode === 413) {
      errors++;
      if (!(typeof body.code === 'string' && body.code.startsWith('KP_ERR_REVIEW_') && typeof body.message === 'string')) t.fail(`#${i} (${b.kind}): ${res.statusCode} without a KP_ERR_REVIEW_ code`);
    } else {
      t.fail(`#${i} (${b.kind}): unexpected status ${res.statusCode}`);
    }
  }
  t.equal(reviews + errors, COUNT, 'every body got a review or a 400/413');
  t.ok(reviews > 0 && errors > 0, `both kinds of answers occurred (${reviews} reviews, ${errors} errors)`);
  const after = await h.app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(loadReview('pod-create-privileged.json')) });
  t.equal(after.statusCode, 200, 'the server still answers afterwards');
  t.equal(after.json().response.allowed, false);
});
