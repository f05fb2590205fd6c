import t from 'tap';
import { harness, loadReview, post } from './helpers.js';

t.test('smoke', async (t) => {
  const h = await harness();
  const r = await post(h.app, loadReview('pod-create-privileged.json'));
  console.log(JSON.stringify(r.body, null, 1));
  console.log(h.logs.text);
  t.equal(r.status, 200);
});
