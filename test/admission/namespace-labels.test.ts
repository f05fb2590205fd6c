import t from 'tap';
import type { V1Namespace } from '@kubernetes/client-node';
import { informerNamespaceLabels, type NamespaceInformer } from '../../src/cluster/namespace-labels.js';
import { harness, loadReview, post, LogCapture } from './fixtures/harness.js';
import { createLogger } from '../../src/admission/logger.js';

/** An informer driven by the test: events are emitted by hand, `start` counts (re)starts. */
class FakeInformer implements NamespaceInformer {
  starts = 0;
  private handlers = new Map<string, ((x: any) => void)[]>();
  constructor(private readonly markSynced: () => void) {}
  on(verb: string, cb: (x: any) => void): void {
    this.handlers.set(verb, [...(this.handlers.get(verb) ?? []), cb]);
  }
  emit(verb: string, x?: unknown): void {
    for (const cb of this.handlers.get(verb) ?? []) cb(x);
  }
  async start(): Promise<void> {
    this.starts++;
    this.markSynced();
  }
  async stop(): Promise<void> {}
}

const ns = (name: string, labels?: Record<string, string>): V1Namespace => ({ metadata: { name, ...(labels ? { labels } : {}) } });

t.test('informer-backed labels follow add, update and delete; unknown namespaces are undefined', async (t) => {
  let fake!: FakeInformer;
  const changes: [boolean, number][] = [];
  const logs = new LogCapture();
  const source = informerNamespaceLabels((mark) => (fake = new FakeInformer(mark)), 'fake', { logger: createLogger({ destination: logs }), backoffMs: 5, onChange: (s, n) => changes.push([s, n]) });
  t.equal(source.synced(), false, 'not synced before the first list');
  await source.start();
  t.equal(source.synced(), true);
  fake.emit('add', ns('team-a', { 'kube-posture.io/enforce': 'restricted' }));
  fake.emit('add', ns('team-b'));
  t.same(source.labelsOf('team-a'), { 'kube-posture.io/enforce': 'restricted' });
  t.same(source.labelsOf('team-b'), {});
  t.equal(source.labelsOf('nowhere'), undefined);
  fake.emit('update', ns('team-a', { 'kube-posture.io/mode': 'audit' }));
  t.same(source.labelsOf('team-a'), { 'kube-posture.io/mode': 'audit' });
  fake.emit('delete', ns('team-a'));
  t.equal(source.labelsOf('team-a'), undefined);
  t.equal(source.size(), 1);
  fake.emit('add', { metadata: {} });
  fake.emit('add', null);
  t.equal(source.size(), 1, 'objects without a name are ignored, never thrown on');
  t.same(changes.at(-1), [true, 1]);

  // The client stops the informer on error; the source restarts it and keeps the cache meanwhile.
  fake.emit('error', new Error('watch closed'));
  t.same(source.labelsOf('team-b'), {}, 'cache kept across errors');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(fake.starts, 2, 'restarted after the backoff');
  t.match(logs.text, /namespace watch failed; restarting/);
  await source.stop();
  fake.emit('error', new Error('after stop'));
  await new Promise((r) => setTimeout(r, 30));
  t.equal(fake.starts, 2, 'no restart once stopped');
});

t.test('the webhook reads namespace labels from the informer cache per review', async (t) => {
  let fake!: FakeInformer;
  const source = informerNamespaceLabels((mark) => (fake = new FakeInformer(mark)), 'fake', { logger: createLogger({ level: 'silent' }) });
  const h = await harness({ namespaces: source });
  t.equal((await h.app.inject('/readyz')).statusCode, 503, 'not ready before the first list');
  await source.start();
  t.equal((await h.app.inject('/readyz')).statusCode, 200);
  const review = loadReview('pod-create-privileged.json');
  t.equal((await post(h.app, review)).body.response.allowed, false, 'enforce without labels');
  fake.emit('add', ns('team-a', { 'kube-posture.io/mode': 'warn' }));
  const warned = await post(h.app, review);
  t.equal(warned.body.response.allowed, true, 'team-a switched to warn by label');
  t.match(warned.body.response.warnings, [/\[test-no-privileged\]/]);
});
