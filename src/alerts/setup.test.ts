import t from 'tap';
import { deliveryOf, filterOf, resolveSecret } from './setup.js';

t.test('delivery defaults: Slack one message a second, the others ten; backoff ceiling never under its base', async (t) => {
  t.same(deliveryOf({ name: 's', type: 'slack' }), { queueSize: 1000, ratePerSecond: 1, burst: 1, timeoutMs: 5000, maxAttempts: 5, backoff: { baseMs: 500, maxMs: 30_000 } });
  t.equal(deliveryOf({ name: 'a', type: 'alertmanager' }).ratePerSecond, 10);
  t.same(deliveryOf({ name: 'w', type: 'webhook', backoffBaseMs: 60_000, backoffMaxMs: 1000, timeoutSeconds: 0.5 }).backoff, { baseMs: 60_000, maxMs: 60_000 });
  t.equal(deliveryOf({ name: 'w', type: 'webhook', timeoutSeconds: 0.5 }).timeoutMs, 500);
});

t.test('filters: only what is configured', async (t) => {
  t.same(filterOf({ name: 'x', type: 'events' }), {});
  t.same(filterOf({ name: 'x', type: 'events', minSeverity: 'high', onlyNew: true, sources: ['scan'] }), { minSeverity: 'high', sources: ['scan'], onlyNew: true });
});

t.test('secrets: as written, from the environment, from a file; errors name the source, never the value', async (t) => {
  const dir = t.testdir({ token: 's3cret\n', empty: '' });
  t.equal(await resolveSecret('plain', 'f', {}), 'plain');
  t.equal(await resolveSecret({ fromEnv: 'TOKEN' }, 'f', { TOKEN: 'from-env' }), 'from-env');
  t.equal(await resolveSecret({ fromFile: `${dir}/token` }, 'f', {}), 's3cret', 'one trailing newline removed');
  await t.rejects(resolveSecret({ fromEnv: 'NOPE' }, 'alerts.sinks[x].url', {}), /alerts\.sinks\[x\]\.url: environment variable NOPE is not set/);
  await t.rejects(resolveSecret({ fromFile: `${dir}/missing` }, 'f', {}), /cannot read .*missing \(ENOENT\)/);
  await t.rejects(resolveSecret({ fromFile: `${dir}/empty` }, 'f', {}), /is empty/);
});
