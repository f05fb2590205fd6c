import t from 'tap';
import { harness, loadReview } from './fixtures/harness.js';

// docs/webhook.md promises exactly this: a missing or any well-formed media type is read as JSON;
// a Content-Type that is not a media type at all is a 400 that says so.
t.test('content types: what is read as JSON and what is refused', async (t) => {
  const h = await harness();
  const payload = JSON.stringify(loadReview('pod-create-compliant.json'));
  const cases: [string | undefined, number][] = [
    [undefined, 200], ['application/json', 200], ['application/json; charset=utf-8', 200], ['text/plain', 200], ['application/x-www-form-urlencoded', 200],
    ['', 400], ['garbage', 400], ['application/json\tx', 400],
  ];
  for (const [ct, want] of cases) {
    const res = await h.app.inject({ method: 'POST', url: '/validate', headers: ct === undefined ? {} : { 'content-type': ct }, payload });
    t.equal(res.statusCode, want, `${JSON.stringify(ct)} -> ${want}`);
    if (want === 400) t.match(res.json(), { code: 'KP_ERR_REVIEW_MALFORMED', message: /content type/ });
  }
});
