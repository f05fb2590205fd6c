/**
 * The webhook over the real built-in library: it checks the protocol and the PSS wiring, not decisions of
 * individual policies. The one decision checked, a privileged pod denied under pss-baseline, requires the
 * PSS privileged check to be there (a missing check fails, it is not passed over).
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { REVIEWS, harness, loadReview, post } from './fixtures/harness.js';

const reviews = readdirSync(REVIEWS).filter((f) => f.endsWith('.json'));

for (const profile of ['recommended', 'all']) {
  t.test(`built-in library, profile ${profile}: every captured review gets a valid answer`, async (t) => {
    const h = await harness({ builtin: true, dirs: [], config: `profile: ${profile}` });
    for (const file of reviews) {
      const review = loadReview(file);
      const { status, body } = await post(h.app, review);
      t.equal(status, 200, `${file}: 200`);
      t.equal(body.response?.uid, review.request.uid, `${file}: uid`);
      t.equal(body.apiVersion, review.apiVersion, `${file}: apiVersion`);
      t.equal(typeof body.response.allowed, 'boolean', `${file}: allowed is a boolean`);
      if (!body.response.allowed) t.match(body.response.status, { code: 403, reason: 'Forbidden', message: /^kube-posture: / }, `${file}: deny status`);
      for (const w of body.response.warnings ?? []) t.ok(w.length <= 120 && !/[\u0000-\u001f]/.test(w), `${file}: warning is short and clean`);
    }
  });
}

t.test('built-in library: a privileged pod is denied under pss-baseline', async (t) => {
  const h = await harness({ builtin: true, dirs: [], config: 'profile: pss-baseline' });
  const privilegedCheck = [...(h.holder.current()?.set.registry.policies.values() ?? [])].find((p) => p.policy.pss?.checkId === 'privileged');
  t.ok(privilegedCheck, 'the built-in library has the PSS privileged check');
  const review = loadReview('pod-create-privileged.json');
  const { body } = await post(h.app, review);
  t.equal(body.response.uid, review.request.uid);
  t.equal(body.response.allowed, false);
  t.match(body.response.status.message, /spec\.containers\[0\]\.securityContext\.privileged/);
});
