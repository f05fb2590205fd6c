import t from 'tap';
import { Histogram, Registry } from 'prom-client';
import { LatencyHistogram, createMetrics } from './metrics.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const OBSERVATIONS: [string, number][] = [['CREATE', 0.0002], ['CREATE', 0.0005], ['CREATE', 0.003], ['UPDATE', 0.07], ['CREATE', 2], ['DELETE', 0.001], ['UPDATE', 0.0004]];

t.test('the latency histogram renders exactly what prom-client\'s Histogram renders for the same observations', async (t) => {
  const ours = new Registry();
  const latency = new LatencyHistogram('x_duration_seconds', 'Latency.', BUCKETS);
  ours.registerMetric(latency as never);
  const theirs = new Registry();
  const reference = new Histogram({ name: 'x_duration_seconds', help: 'Latency.', labelNames: ['operation'], buckets: BUCKETS, registers: [theirs] });
  for (const [operation, seconds] of OBSERVATIONS) {
    latency.observe(operation, seconds);
    reference.labels(operation).observe(seconds);
  }
  const lines = (text: string) => text.trim().split('\n').sort();
  t.same(lines(await ours.metrics()), lines(await theirs.metrics()));
  t.match(await ours.metrics(), /x_duration_seconds_bucket\{le="\+Inf",operation="CREATE"\} 4/);

  latency.observe('CREATE', Number.NaN);
  t.match(await ours.metrics(), /x_duration_seconds_count\{operation="CREATE"\} 4/, 'a non-finite value is not counted');
  ours.resetMetrics();
  t.equal((await ours.metrics()).includes('_count'), false, 'reset empties it');
});

t.test('review and outcome counts appear at every scrape and keep adding up between scrapes', async (t) => {
  const m = createMetrics({ defaultMetrics: false });
  m.review('CREATE', 'Pod', 'denied', false, 0.001);
  m.review('CREATE', 'Pod', 'denied', false, 0.001);
  m.review('UPDATE', 'Deployment.apps', 'allowed', true, 0.002);
  m.outcome('pss-privileged', 'fail', false);
  let text = await m.registry.metrics();
  t.match(text, /admission_requests_total\{operation="CREATE",kind="Pod",decision="denied",dry_run="false"\} 2/);
  t.match(text, /admission_requests_total\{operation="UPDATE",kind="Deployment.apps",decision="allowed",dry_run="true"\} 1/);
  t.match(text, /policy_evaluations_total\{policy="pss-privileged",result="fail",dry_run="false"\} 1/);
  m.review('CREATE', 'Pod', 'denied', false, 0.001);
  text = await m.registry.metrics();
  t.match(text, /admission_requests_total\{operation="CREATE",kind="Pod",decision="denied",dry_run="false"\} 3/);
  t.match(text, /admission_duration_seconds_count\{operation="CREATE"\} 3/);
});

t.test('thousands of odd kinds neither lose counts nor grow the pending map without bound', async (t) => {
  const m = createMetrics({ defaultMetrics: false });
  for (let i = 0; i < 12_000; i++) m.review('CREATE', `Odd${i % 6000}.example.com`, 'allowed', false, 0.001);
  const text = await m.registry.metrics();
  const total = [...text.matchAll(/^kube_posture_admission_requests_total\{[^}]*\} (\d+)$/gm)].reduce((s, x) => s + Number(x[1]), 0);
  t.equal(total, 12_000);
  t.match(text, /kind="Odd5999.example.com",decision="allowed",dry_run="false"\} 2/);
});
