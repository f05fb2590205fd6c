import t from 'tap';
import { harness, loadReview, post } from './fixtures/harness.js';

// One UPDATE of 12,136 privileged containers (about 8 MB, under the body limit) once made a log line
// of 7.6 million characters, because every failing container path was listed. Log pipelines split
// lines at 16 KiB: the review's line must stay well under that and still name the policy and count.
t.test('a review with thousands of failing containers logs one bounded line', async (t) => {
  // The test policy runs under the time guard; its default 100 ms per policy is about what 12,136
  // containers take on a quiet machine, and a loaded one ran past it (a timeout, not the log line, was
  // then what the line named). The budget is not what is tested here.
  const h = await harness({ config: 'profile: all\nevaluation: { timeoutMs: 10000 }' });
  const review = loadReview('pod-create-privileged.json');
  const container = review.request.object.spec.containers[0];
  review.request.object.spec.containers = Array.from({ length: 12_136 }, (_, i) => ({ ...container, name: `c${i}` }));
  const body = JSON.stringify(review);
  t.ok(body.length > 1_000_000, `the review is ${(body.length / 1e6).toFixed(1)} MB`);
  const { status, body: answer } = await post(h.app, body);
  t.equal(status, 200);
  t.equal(answer.response.allowed, false);
  const lines = h.logs.text.split('\n').filter((l) => l.includes('"admission review'));
  t.equal(lines.length, 1);
  const line = lines[0]!;
  t.ok(line.length < 16 * 1024, `log line is ${line.length} characters`);
  const parsed = JSON.parse(line) as { denied: string[] };
  t.ok(parsed.denied.includes('test-no-privileged@spec.containers[0].securityContext.privileged'), 'the first path is named');
  t.ok(parsed.denied.includes('test-no-privileged: 12133 more'), 'the rest is counted');
});
