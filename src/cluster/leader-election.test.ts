/**
 * Leader election over an in-memory Lease store that keeps resourceVersions as the API server does
 * (a PUT with an old one is a 409, a POST of an existing name a 409), on a fake clock: every test is
 * about the order of events, none about how fast anything runs.
 */
import t, { type Test } from 'tap';
import pino from 'pino';
import { ApiError, type ApiClient } from './api.js';
import { LeaderElector, microTime, type ElectionClock, type ElectionLog, type LeaderElectorOptions } from './leader-election.js';

const NS = 'kube-posture';
const PATH = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/controller`;
const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** Lets every pending promise chain and immediate settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

class FakeClock implements ElectionClock {
  t = 0;
  private seq = 0;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  wall(): Date {
    // Wall time deliberately far from the monotonic one: nothing may mix them.
    return new Date(Date.UTC(2026, 11, 4, 20) + this.t);
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.timers.set(++this.seq, { at: this.t + Math.max(0, ms), fn });
    return this.seq;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  /**
   * Moves time forward, firing due timers in order and letting their async work finish in between;
   * timers due at the same instant fire together, so their requests interleave (races happen).
   */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      let at = Infinity;
      for (const timer of this.timers.values()) at = Math.min(at, timer.at);
      if (at > end) break;
      this.t = at;
      for (const [id, timer] of [...this.timers]) {
        if (timer.at !== at) continue;
        this.timers.delete(id);
        timer.fn();
      }
    }
    this.t = end;
    await settle();
  }
}

/** One API server's leases; `client()` gives each elector its own connection, which a test can break. */
class LeaseStore {
  readonly leases = new Map<string, Obj>();
  private rv = 0;
  conflicts = 0;

  /** Stores a lease as if some other client had created it. */
  seed(path: string, lease: Obj): void {
    this.leases.set(path, lease);
    this.touch(path);
  }
  get(path: string): Obj | undefined {
    return this.leases.get(path);
  }
  /** What another writer (kubectl, a label change) would do: a new resourceVersion. */
  touch(path: string, change: (o: Obj) => void = () => {}): void {
    const o = structuredClone(this.leases.get(path)!);
    change(o);
    o.metadata.resourceVersion = String(++this.rv);
    this.leases.set(path, o);
  }

  client(): ApiClient & { mode: 'ok' | 'fail' | 'hang'; calls: string[]; hung: number } {
    const store = this;
    const c = {
      server: 'fake',
      mode: 'ok' as 'ok' | 'fail' | 'hang',
      calls: [] as string[],
      hung: 0,
      async getJson(path: string): Promise<unknown> {
        await c.gate(`GET ${path}`);
        const o = store.leases.get(path);
        if (!o) throw new ApiError(404, 'NotFound', `${path} not found`);
        return structuredClone(o);
      },
      async request(method: string, path: string, body?: unknown): Promise<unknown> {
        await c.gate(`${method} ${path}`);
        const o = structuredClone(body) as Obj;
        if (method === 'POST') {
          const key = `${path}/${o.metadata.name}`;
          if (store.leases.has(key)) throw new ApiError(409, 'AlreadyExists', 'exists');
          o.metadata = { ...o.metadata, resourceVersion: String(++store.rv), uid: 'u1' };
          store.leases.set(key, o);
          return structuredClone(o);
        }
        if (method === 'PUT') {
          const cur = store.leases.get(path);
          if (!cur) throw new ApiError(404, 'NotFound', 'gone');
          if (o.metadata.resourceVersion !== cur.metadata.resourceVersion) {
            store.conflicts++;
            throw new ApiError(409, 'Conflict', 'the object has been modified');
          }
          o.metadata.resourceVersion = String(++store.rv);
          store.leases.set(path, o);
          return structuredClone(o);
        }
        throw new Error(`unexpected ${method}`);
      },
      // eslint-disable-next-line require-yield
      async *watch(): AsyncGenerator<never> {
        throw new Error('not used');
      },
      async gate(call: string): Promise<void> {
        c.calls.push(call);
        if (c.mode === 'fail') throw new ApiError(500, 'InternalError', 'etcdserver: request timed out');
        if (c.mode === 'hang') {
          c.hung++;
          await new Promise(() => {});
        }
      },
    };
    return c;
  }
}

interface Probe {
  events: string[];
  signals: AbortSignal[];
  warnings: string[];
}

function setup(t: Test, clock = new FakeClock(), store = new LeaseStore()) {
  const electors: LeaderElector[] = [];
  const make = (identity: string, extra: Partial<LeaderElectorOptions> = {}) => {
    const api = store.client();
    const probe: Probe = { events: [], signals: [], warnings: [] };
    const log: ElectionLog = { warn: (o, msg) => probe.warnings.push(`${msg} ${String(o.err ?? '')}`) };
    const e = new LeaderElector(api, {
      namespace: NS,
      name: 'controller',
      identity,
      clock,
      random: () => 0.5,
      log,
      onStartedLeading: (signal) => {
        probe.events.push(`started isLeader=${e.isLeader()}`);
        probe.signals.push(signal);
      },
      onStoppedLeading: () => void probe.events.push(`stopped isLeader=${e.isLeader()}`),
      onNewLeader: (id) => void probe.events.push(`new ${id}`),
      ...extra,
    });
    electors.push(e);
    return { e, api, probe };
  };
  t.teardown(async () => {
    for (const e of electors) void e.stop();
    await settle();
  });
  return { clock, store, make };
}

t.test('microTime: RFC 3339 UTC with microseconds', async (t) => {
  t.equal(microTime(new Date(Date.UTC(2026, 11, 4, 20, 0, 0, 0))), '2026-12-04T20:00:00.000000Z');
  t.equal(microTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), '2026-01-02T03:04:05.678000Z');
});

t.test('options are validated as client-go does; a pino logger is a log', async (t) => {
  const api = new LeaseStore().client();
  const base = { namespace: NS, name: 'controller', identity: 'a' };
  t.throws(() => new LeaderElector(api, { ...base, identity: '' }), /identity/);
  t.throws(() => new LeaderElector(api, { ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), /leaseDurationMs must be greater/);
  t.throws(() => new LeaderElector(api, { ...base, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }), /1.2/);
  t.throws(() => new LeaderElector(api, { ...base, retryPeriodMs: 0 }), /greater than zero/);
  t.doesNotThrow(() => new LeaderElector(api, { ...base, log: pino({ level: 'silent' }) }));
});

t.test('acquires an absent lease by creating it, then renews it every retryPeriod', async (t) => {
  const { clock, store, make } = setup(t);
  const { e, api, probe } = make('a');
  t.equal(e.isLeader(), false, 'not before the first attempt');
  e.start();
  await clock.advance(0);
  t.equal(e.isLeader(), true);
  t.same(probe.events, ['new a', 'started isLeader=true']);
  t.same(api.calls, [`GET ${PATH}`, `POST /apis/coordination.k8s.io/v1/namespaces/${NS}/leases`]);
  const created = store.get(PATH)!;
  t.match(created, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'controller', namespace: NS }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 } });
  t.equal(created.spec.renewTime, '2026-12-04T20:00:00.000000Z');
  t.match(created.spec.acquireTime, MICRO);

  await clock.advance(2_000);
  const renewed = store.get(PATH)!;
  t.equal(renewed.spec.renewTime, '2026-12-04T20:00:02.000000Z', 'renewed after retryPeriod');
  t.equal(renewed.spec.acquireTime, created.spec.acquireTime, 'acquireTime kept');
  t.equal(renewed.spec.leaseTransitions, 0);
  t.equal(api.calls.at(-1), `PUT ${PATH}`, 'a leader renews with one PUT, no read');
  t.equal(api.calls.length, 3);
  await clock.advance(60_000);
  t.equal(e.isLeader(), true);
  t.same(probe.events, ['new a', 'started isLeader=true'], 'no callback while renewals succeed');
  t.same(probe.warnings, []);
});

t.test('does not acquire while another holder renews', async (t) => {
  const { clock, store, make } = setup(t);
  const a = make('a');
  a.e.start();
  await clock.advance(0);
  const b = make('b');
  b.e.start();
  await clock.advance(120_000);
  t.equal(a.e.isLeader(), true);
  t.equal(b.e.isLeader(), false);
  t.equal(b.e.leader(), 'a');
  t.same(b.probe.events, ['new a']);
  t.equal(store.get(PATH)!.spec.holderIdentity, 'a');
  t.ok(b.api.calls.every((c) => c.startsWith('GET ')), 'the candidate only reads while the lease is valid');
  t.ok(b.api.calls.length >= 120_000 / 4_400, `candidate retried (${b.api.calls.length} reads)`);
});

t.test('takes over only leaseDuration after it saw the record last change, whatever renewTime says', async (t) => {
  for (const [label, renewTime] of [
    ['renewTime long past (a slow clock elsewhere)', '2000-01-01T00:00:00.000000Z'],
    ['renewTime in the future (a fast clock elsewhere)', '2099-01-01T00:00:00.000000Z'],
  ] as const) {
    await t.test(label, async (t) => {
      const { clock, store, make } = setup(t);
      store.seed(PATH, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'controller', namespace: NS }, spec: { holderIdentity: 'gone', leaseDurationSeconds: 15, acquireTime: renewTime, renewTime, leaseTransitions: 4 } });
      const b = make('b', { random: () => 0 });
      b.e.start();
      await clock.advance(14_000);
      t.equal(b.e.isLeader(), false, 'not before leaseDuration since first seen');
      t.same(b.probe.events, ['new gone']);
      await clock.advance(2_000);
      t.equal(b.e.isLeader(), true, 'at the first attempt after leaseDuration');
      t.match(store.get(PATH)!.spec, { holderIdentity: 'b', leaseTransitions: 5, leaseDurationSeconds: 15, acquireTime: '2026-12-04T20:00:16.000000Z' });
      t.same(b.probe.events, ['new gone', 'new b', 'started isLeader=true']);
    });
  }
});

t.test('a change to the record restarts the wait; the lease duration is the one the holder wrote', async (t) => {
  const { clock, store, make } = setup(t);
  store.seed(PATH, { metadata: { name: 'controller', namespace: NS }, spec: { holderIdentity: 'x', leaseDurationSeconds: 30, renewTime: microTime(new Date(0)), leaseTransitions: 0 } });
  const b = make('b', { random: () => 0 });
  b.e.start();
  await clock.advance(20_000);
  store.touch(PATH, (o) => (o.spec.renewTime = microTime(new Date(1))));
  await clock.advance(26_000);
  t.equal(b.e.isLeader(), false, '30 s since the renewal was seen have not passed');
  await clock.advance(6_000);
  t.equal(b.e.isLeader(), true);
  t.equal(store.get(PATH)!.spec.leaseDurationSeconds, 15, 'and writes its own');
});

t.test('after the leader stops without release, the other takes over once the lease expires', async (t) => {
  const { clock, store, make } = setup(t);
  const a = make('a');
  const b = make('b');
  a.e.start();
  await clock.advance(0);
  b.e.start();
  await clock.advance(10_000);
  await a.e.stop();
  t.equal(a.e.isLeader(), false);
  t.same(a.probe.events, ['new a', 'started isLeader=true', 'stopped isLeader=false']);
  t.equal(a.probe.signals[0]!.aborted, true, 'the leadership signal is aborted');
  t.equal(store.get(PATH)!.spec.holderIdentity, 'a', 'not released');
  await clock.advance(12_000);
  t.equal(b.e.isLeader(), false, 'lease not yet expired');
  await clock.advance(10_000);
  t.equal(b.e.isLeader(), true);
  t.match(store.get(PATH)!.spec, { holderIdentity: 'b', leaseTransitions: 1 });
  t.equal(clock.timers.size, 2, 'the stopped elector left no timer (b: next renewal and its deadline)');
});

t.test('renewals failing past renewDeadline end leading: isLeader() false first, then onStoppedLeading; then it tries again', async (t) => {
  const { clock, store, make } = setup(t);
  const a = make('a');
  a.e.start();
  await clock.advance(0);
  await clock.advance(2_000); // last successful renewal sent at t=2000
  a.api.mode = 'fail';
  await clock.advance(9_999);
  t.equal(a.e.isLeader(), true, 'within renewDeadline of the last success');
  t.ok(a.probe.warnings.some((w) => w.startsWith('could not renew the lease')), 'failures are logged');
  await clock.advance(1);
  t.equal(a.e.isLeader(), false, 'at renewDeadline');
  t.same(a.probe.events, ['new a', 'started isLeader=true', 'stopped isLeader=false']);
  t.equal(a.probe.signals[0]!.aborted, true);
  a.api.mode = 'ok';
  await clock.advance(5_000);
  t.equal(a.e.isLeader(), true, 'the lease still names it: it leads again');
  t.same(a.probe.events.slice(3), ['started isLeader=true']);
  t.equal(store.get(PATH)!.spec.leaseTransitions, 0, 'same holder: no transition');
});

t.test('a renewal that never answers: leading ends at the deadline, with one request in flight', async (t) => {
  const { clock, make } = setup(t);
  const a = make('a');
  a.e.start();
  await clock.advance(0);
  a.api.mode = 'hang';
  await clock.advance(9_999);
  t.equal(a.e.isLeader(), true);
  await clock.advance(1);
  t.equal(a.e.isLeader(), false);
  t.same(a.probe.events, ['new a', 'started isLeader=true', 'stopped isLeader=false']);
  await clock.advance(600_000);
  t.equal(a.api.hung, 1, 'no new attempt piles up behind a hung one');
  t.equal(clock.timers.size, 0, 'nothing scheduled while it waits');
});

t.test('conflicts: two candidates for an absent lease, one leader; a foreign write makes the leader re-read', async (t) => {
  const { clock, store, make } = setup(t);
  const a = make('a');
  const b = make('b');
  a.e.start();
  b.e.start();
  await clock.advance(0);
  t.equal([a.e.isLeader(), b.e.isLeader()].filter(Boolean).length, 1, 'exactly one leads');
  const [leader, other] = a.e.isLeader() ? [a, b] : [b, a];
  t.ok(other.api.calls.some((c) => c.startsWith('POST')), 'the other lost the create race (409)');

  store.touch(PATH, (o) => (o.metadata.labels = { team: 'x' }));
  const before = store.conflicts;
  await clock.advance(2_000);
  t.equal(store.conflicts, before + 1, 'the optimistic renewal met a 409');
  t.same(leader.api.calls.slice(-3).map((c) => c.split(' ')[0]), ['PUT', 'GET', 'PUT'], 'then read and renewed');
  t.equal(leader.e.isLeader(), true);
  t.equal(store.get(PATH)!.metadata.labels.team, 'x', 'the foreign change is kept');
  t.same(leader.probe.warnings, []);
});

t.test('two candidates racing for an expired lease: the API server lets one win', async (t) => {
  const { clock, store, make } = setup(t);
  store.seed(PATH, { metadata: { name: 'controller', namespace: NS }, spec: { holderIdentity: 'gone', leaseDurationSeconds: 15, leaseTransitions: 2 } });
  // Same jitter: both read, then both write the same resourceVersion in the same turn.
  const b = make('b', { random: () => 0 });
  const c = make('c', { random: () => 0 });
  b.e.start();
  c.e.start();
  const before = store.conflicts;
  await clock.advance(16_000);
  t.equal([b.e.isLeader(), c.e.isLeader()].filter(Boolean).length, 1);
  t.equal(store.conflicts, before + 1, 'the loser got a 409');
  t.equal(store.get(PATH)!.spec.leaseTransitions, 3, 'one transition');
  await clock.advance(60_000);
  t.equal([b.e.isLeader(), c.e.isLeader()].filter(Boolean).length, 1, 'and it stays that way');
});

t.test('stop({release: true}) gives the lease up; another acquires at its next attempt', async (t) => {
  const { clock, store, make } = setup(t);
  let stoppedDone = false;
  const a = make('a', {
    onStoppedLeading: async () => {
      await new Promise((r) => setImmediate(r));
      stoppedDone = true;
    },
  });
  const b = make('b', { random: () => 0 });
  a.e.start();
  await clock.advance(0);
  b.e.start();
  await clock.advance(5_000);
  await a.e.stop({ release: true });
  t.equal(stoppedDone, true, 'stop() waited for onStoppedLeading before releasing');
  t.match(store.get(PATH)!.spec, { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
  await clock.advance(2_000);
  t.equal(b.e.isLeader(), true, 'within one retryPeriod, not leaseDuration');
  t.match(store.get(PATH)!.spec, { holderIdentity: 'b', leaseTransitions: 1 });
  t.same(b.probe.events, ['new a', 'new b', 'started isLeader=true']);
});

t.test('release does not clear a lease someone else holds now', async (t) => {
  const { clock, store, make } = setup(t);
  const a = make('a');
  a.e.start();
  await clock.advance(0);
  a.api.mode = 'fail';
  await clock.advance(12_000);
  t.equal(a.e.isLeader(), false);
  store.touch(PATH, (o) => (o.spec.holderIdentity = 'z'));
  a.api.mode = 'ok';
  await a.e.stop({ release: true });
  t.equal(store.get(PATH)!.spec.holderIdentity, 'z', 'the PUT carried the old resourceVersion: 409');
  t.ok(a.probe.warnings.some((w) => w.startsWith('could not release')));
});

t.test('errors and throwing callbacks never escape the loop', async (t) => {
  const { clock, store, make } = setup(t);
  const a = make('a', {
    onStartedLeading: () => {
      throw new Error('boom');
    },
    onNewLeader: () => Promise.reject(new Error('bang')),
  });
  a.api.mode = 'fail';
  a.e.start();
  await clock.advance(20_000);
  t.equal(a.e.isLeader(), false);
  t.ok(a.probe.warnings.filter((w) => w.startsWith('could not acquire the lease')).length >= 3, 'each failure logged, retried');
  a.api.mode = 'ok';
  await clock.advance(5_000);
  t.equal(a.e.isLeader(), true);
  t.ok(a.probe.warnings.some((w) => w.includes('boom')) && a.probe.warnings.some((w) => w.includes('bang')), 'callback failures logged');
  t.equal(store.get(PATH)!.spec.holderIdentity, 'a');
});

t.test('candidates retry every retryPeriod × (1 + random × 1.2); stop() cancels every timer', async (t) => {
  const { clock, make } = setup(t);
  const a = make('a');
  const slow = make('slow', { random: () => 0.999999 });
  const fast = make('fast', { random: () => 0 });
  a.e.start();
  await clock.advance(0);
  slow.e.start();
  fast.e.start();
  await clock.advance(44_000);
  t.equal(fast.api.calls.length, 1 + 44_000 / 2_000);
  t.equal(slow.api.calls.length, 1 + 44_000 / 4_400);
  await Promise.all([a.e.stop(), slow.e.stop(), fast.e.stop()]);
  t.equal(clock.timers.size, 0);
  const calls = a.api.calls.length + slow.api.calls.length + fast.api.calls.length;
  await clock.advance(60_000);
  t.equal(a.api.calls.length + slow.api.calls.length + fast.api.calls.length, calls, 'nothing runs after stop');
});
