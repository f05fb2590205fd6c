import t from 'tap';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ProcessLifecycle } from './lifecycle.js';

const quietLogger = () => pino({ level: 'silent' }, new Writable({ write: (_c, _e, cb) => cb() }));

t.test('shutdown: readiness flips first, watchers close before closers run, closers run in parallel, once', async (t) => {
  const order: string[] = [];
  const lifecycle = new ProcessLifecycle({ logger: quietLogger(), graceSeconds: 5, onGraceExpired: () => order.push('grace expired') });
  lifecycle.watch({ close: () => order.push(`watcher closed (shuttingDown=${lifecycle.state.shuttingDown})`) });
  let releaseServer!: () => void;
  lifecycle.onShutdown('server', () => new Promise<void>((resolve) => {
    order.push('server closing');
    releaseServer = () => {
      order.push('server closed');
      resolve();
    };
  }));
  lifecycle.onShutdown('informer', async () => {
    order.push('informer stopped');
  });
  const first = lifecycle.shutdown('test');
  const second = lifecycle.shutdown('again');
  t.equal(first, second, 'a second call returns the same shutdown');
  await new Promise((r) => setImmediate(r));
  t.same(order, ['watcher closed (shuttingDown=true)', 'server closing', 'informer stopped'], 'the informer does not wait for the server');
  releaseServer();
  await first;
  t.same(order.slice(-1), ['server closed']);
  t.notOk(order.includes('grace expired'));
});

t.test('shutdown: a closer that outlives the grace period is cut off', async (t) => {
  let expired = false;
  const lifecycle = new ProcessLifecycle({ logger: quietLogger(), graceSeconds: 0.05, onGraceExpired: () => (expired = true) });
  let release!: () => void;
  lifecycle.onShutdown('stuck', () => new Promise<void>((resolve) => (release = resolve)));
  const done = lifecycle.shutdown('test');
  await new Promise((r) => setTimeout(r, 200));
  t.ok(expired, 'the grace period ran out while the closer was still running');
  release();
  await done;
});

t.test('shutdown: a closer that fails does not stop the others', async (t) => {
  const lifecycle = new ProcessLifecycle({ logger: quietLogger(), graceSeconds: 5, onGraceExpired: () => t.fail('no grace expiry') });
  let stopped = false;
  lifecycle.onShutdown('broken', async () => {
    throw new Error('boom');
  });
  lifecycle.onShutdown('fine', async () => {
    stopped = true;
  });
  await lifecycle.shutdown('test');
  t.ok(stopped);
});

t.test('signals: SIGTERM shuts down, then exits 0', async (t) => {
  const handlers = new Map<string, (s: string) => void>();
  let exitCode: number | undefined;
  let exits = 0;
  const fakeProcess = {
    on: (signal: string, cb: (s: string) => void) => handlers.set(signal, cb),
    exit: (code: number) => {
      exitCode = code;
      exits++;
    },
  } as unknown as NodeJS.Process;
  const lifecycle = new ProcessLifecycle({ logger: quietLogger(), graceSeconds: 5 });
  let closed = false;
  lifecycle.onShutdown('server', async () => {
    closed = true;
  });
  lifecycle.handleSignals(fakeProcess);
  t.same([...handlers.keys()].sort(), ['SIGINT', 'SIGTERM']);
  handlers.get('SIGTERM')!('SIGTERM');
  // Ctrl-C under npm: a second signal arrives while draining; it must not start anything new.
  handlers.get('SIGINT')!('SIGINT');
  await lifecycle.shutdown('same');
  await new Promise((r) => setImmediate(r));
  t.ok(closed);
  t.equal(exitCode, 0);
  t.equal(exits, 1, 'one exit, from the first signal');
});
