/**
 * The reflector against a real HTTP server speaking list + watch: it lists, then watches from the
 * list's resourceVersion; on 410 it relists (and the handler sweeps what was deleted meanwhile); a
 * watch the server ends is reopened; a silent one is torn down after the idle bound; a failing kind is
 * retried with backoff and never stops.
 */
import t from 'tap';
import { apiClientFor } from '../../src/cluster/api.js';
import { kubeAccessFromString } from '../../src/cluster/kubeconfig.js';
import { Reflector, type RestartReason } from '../../src/cluster/reflector.js';
import { lookupKind } from '../../src/core/kinds.js';
import { startFakeWatchApi, type FakeWatchApi } from '../helpers/fake-watch-api.js';

const POD = lookupKind({ group: '', kind: 'Pod' })!;
const pod = (name: string, image = 'app:1') => ({ metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec: { containers: [{ name: 'c', image }] } });

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function recorder() {
  const log: string[] = [];
  const restarts: RestartReason[] = [];
  const live = new Map<string, string>();
  let listing: Set<string> | undefined;
  return {
    log,
    restarts,
    live,
    handlers: {
      onListStart: () => {
        log.push('list-start');
        listing = new Set();
      },
      onObject: (o: Record<string, unknown>) => {
        const meta = o.metadata as { name: string };
        const image = ((o.spec as { containers: { image: string }[] }).containers[0]!).image;
        log.push(`object ${meta.name} ${image} ${String(o.kind)}`);
        live.set(meta.name, image);
        listing?.add(meta.name);
      },
      onDelete: (o: Record<string, unknown>) => {
        const name = (o.metadata as { name: string }).name;
        log.push(`delete ${name}`);
        live.delete(name);
      },
      onListEnd: () => {
        log.push('list-end');
        for (const name of [...live.keys()]) if (!listing?.has(name)) live.delete(name);
        listing = undefined;
      },
      onRestart: (reason: RestartReason) => restarts.push(reason),
    },
  };
}

async function setup(t: { teardown(fn: () => unknown): void }): Promise<{ fake: FakeWatchApi; api: ReturnType<typeof apiClientFor> }> {
  const fake = await startFakeWatchApi();
  t.teardown(() => fake.close());
  const kc = kubeAccessFromString(fake.kubeconfig);
  return { fake, api: apiClientFor(kc) };
}

t.test('lists page by page, then follows changes from the list resourceVersion', async (t) => {
  const { fake, api } = await setup(t);
  for (const n of ['a', 'b', 'c']) fake.put('pods', pod(n));
  const r = recorder();
  const reflector = new Reflector(api, POD, r.handlers, { pageSize: 2 });
  t.teardown(() => reflector.stop());
  reflector.start();
  await until('listed', () => reflector.synced && fake.openWatches() === 1);
  t.same(r.log, ['list-start', 'object a app:1 Pod', 'object b app:1 Pod', 'object c app:1 Pod', 'list-end'], 'every object listed, with its kind set');
  t.ok(fake.requests.some((q) => q.includes('limit=2') && q.includes('continue=2')), 'the list is paged');
  const watch = fake.requests.find((q) => q.includes('watch=1'))!;
  t.match(watch, /resourceVersion=4/, 'the watch starts at the list resourceVersion');
  t.match(watch, /allowWatchBookmarks=true/);
  fake.put('pods', pod('b', 'app:2'));
  fake.remove('pods', 'c', 'ns');
  fake.put('pods', pod('d'));
  await until('events', () => r.log.length === 8);
  t.same(r.log.slice(5), ['object b app:2 Pod', 'delete c', 'object d app:1 Pod']);
  t.same([...r.live.entries()].sort(), [['a', 'app:1'], ['b', 'app:2'], ['d', 'app:1']]);
});

t.test('a watch the server ends is reopened from where it was, with no relist', async (t) => {
  const { fake, api } = await setup(t);
  fake.put('pods', pod('a'));
  const r = recorder();
  const reflector = new Reflector(api, POD, r.handlers);
  t.teardown(() => reflector.stop());
  reflector.start();
  await until('watching', () => fake.openWatches() === 1);
  fake.put('pods', pod('a', 'app:2'));
  await until('event', () => r.live.get('a') === 'app:2');
  fake.endWatches();
  fake.put('pods', pod('b'));
  await until('reopened', () => r.live.has('b'));
  t.same(r.restarts, ['closed']);
  t.equal(r.log.filter((l) => l === 'list-start').length, 1, 'listed once');
  const watches = fake.requests.filter((q) => q.includes('watch=1'));
  t.match(watches[1], /resourceVersion=3/, 'the second watch continues from the last event seen');
});

t.test('410 Gone: relists, and what was deleted while no watch was open is swept', async (t) => {
  const { fake, api } = await setup(t);
  for (const n of ['a', 'b']) fake.put('pods', pod(n));
  const r = recorder();
  const reflector = new Reflector(api, POD, r.handlers);
  t.teardown(() => reflector.stop());
  reflector.start();
  await until('watching', () => fake.openWatches() === 1);
  // The watch breaks, then the history it would resume from is compacted away.
  fake.silent = true;
  fake.endWatches();
  fake.remove('pods', 'a', 'ns');
  fake.put('pods', pod('c'));
  fake.compact();
  fake.silent = false;
  await until('relisted', () => r.log.filter((l) => l === 'list-end').length === 2);
  t.ok(r.restarts.includes('expired'), `restarted as expired: ${r.restarts.join(',')}`);
  t.same([...r.live.keys()].sort(), ['b', 'c'], 'the deleted object is gone, the new one is there');
});

t.test('a silent watch is torn down after the idle bound and reopened', async (t) => {
  const { fake, api } = await setup(t);
  fake.put('pods', pod('a'));
  const r = recorder();
  fake.silent = true;
  const reflector = new Reflector(api, POD, r.handlers, { idleMs: 200 });
  t.teardown(() => reflector.stop());
  reflector.start();
  await until('idle restart', () => r.restarts.includes('idle'));
  fake.silent = false;
  fake.put('pods', pod('b'));
  await until('events after the restart', () => r.live.has('b'));
  // Quiet after the answer's headers too: the stream was open and said nothing.
  fake.silent = true;
  const before = r.restarts.filter((x) => x === 'idle').length;
  fake.endWatches();
  await until('idle restart on an open stream', () => r.restarts.filter((x) => x === 'idle').length > before);
  t.notOk(r.restarts.includes('error'), 'an idle watch is not an error');
  t.ok(fake.requests.filter((q) => q.includes('watch=1')).length >= 2, 'a new watch was opened');
});

t.test('a failing kind is retried with growing delays, and recovers', async (t) => {
  const { fake, api } = await setup(t);
  fake.put('pods', pod('a'));
  fake.failing.set('pods', 403);
  const delays: number[] = [];
  const r = recorder();
  const reflector = new Reflector(api, POD, { ...r.handlers, onRestart: (reason, _err, delay) => { if (reason === 'error') delays.push(delay!); } }, { initialBackoffMs: 20, maxBackoffMs: 80, random: () => 0.999 });
  t.teardown(() => reflector.stop());
  reflector.start();
  await until('four failures', () => delays.length >= 4);
  t.ok(delays[1]! > delays[0]! && delays[2]! > delays[1]!, `backoff grows: ${delays.join(',')}`);
  t.ok(delays.every((d) => d <= 80), 'and is capped');
  fake.failing.delete('pods');
  await until('recovered', () => r.live.has('a'));
  t.ok(reflector.synced);
});

t.test('relist() lists again while watching; stop() ends the loop', async (t) => {
  const { fake, api } = await setup(t);
  fake.put('pods', pod('a'));
  const r = recorder();
  const reflector = new Reflector(api, POD, r.handlers);
  reflector.start();
  await until('watching', () => fake.openWatches() === 1);
  reflector.relist();
  await until('relisted', () => r.log.filter((l) => l === 'list-end').length === 2);
  t.ok(r.restarts.includes('relist'));
  await reflector.stop();
  await until('watch closed', () => fake.openWatches() === 0);
  t.pass('stopped');
});
