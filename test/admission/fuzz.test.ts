import t from 'tap';
import { loadReview, harness } from './fixtures/harness.js';
import { fuzzBodies, judgeAnswer } from './fixtures/fuzz-bodies.js';

const SEED = 0x6b70;
const COUNT = 600;

t.test(`fuzz: ${COUNT} malformed and random bodies (seed ${SEED}) get a well-formed answer`, async (t) => {
  const h = await harness();
  const bodies = fuzzBodies(SEED, COUNT);
  let reviews = 0;
  let errors = 0;
  for (const [i, b] of bodies.entries()) {
    const res = await h.app.inject({ method: 'POST', url: '/validate?timeout=10s', headers: { 'content-type': b.contentType ?? 'application/json' }, payload: b.payload });
    const verdict = judgeAnswer(res.statusCode, res.body);
    if (!verdict.ok) t.fail(`#${i} (${b.kind}): ${verdict.problem}`);
    else if (verdict.kind === 'review') reviews++;
    else errors++;
  }
  t.equal(reviews + errors, COUNT, 'every body got a review or a 400/413');
  t.ok(reviews > 0 && errors > 0, `both kinds of answers occurred (${reviews} reviews, ${errors} errors)`);
  const after = await h.app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(loadReview('pod-create-privileged.json')) });
  t.equal(after.statusCode, 200, 'the server still answers afterwards');
  t.equal(after.json().response.allowed, false);
});
