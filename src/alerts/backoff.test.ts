import t from 'tap';
import { backoffDelay, parseRetryAfter } from './backoff.js';
import { TokenBucket } from './rate-limit.js';

t.test('backoff doubles its ceiling per attempt up to the maximum, with full jitter', async (t) => {
  const opts = { baseMs: 100, maxMs: 1000 };
  t.equal(backoffDelay(0, opts, () => 0.999999), 99);
  t.equal(backoffDelay(1, opts, () => 0.999999), 199);
  t.equal(backoffDelay(3, opts, () => 0.5), 400);
  t.equal(backoffDelay(10, opts, () => 0.999999), 999, 'capped at maxMs');
  t.equal(backoffDelay(5, opts, () => 0), 0, 'jitter reaches down to zero');
  t.equal(backoffDelay(1e6, opts, () => 0.5), 500, 'huge attempt numbers do not overflow');
});

t.test('Retry-After: seconds or an HTTP date, never negative, capped', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  t.equal(parseRetryAfter('3', now, 60_000), 3000);
  t.equal(parseRetryAfter(' 0 ', now, 60_000), 0);
  t.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now, 60_000), 5000);
  t.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now, 60_000), 0, 'a date in the past means now');
  t.equal(parseRetryAfter('86400', now, 60_000), 60_000, 'capped');
  t.equal(parseRetryAfter('soon', now, 60_000), undefined);
  t.equal(parseRetryAfter('-1', now, 60_000), undefined);
  t.equal(parseRetryAfter(null, now, 60_000), undefined);
});

t.test('token bucket: burst, then one token per 1/rate seconds; a pause holds tokens back', async (t) => {
  const b = new TokenBucket(1, 2, 0);
  t.equal(b.take(0), 0);
  t.equal(b.take(0), 0);
  t.equal(b.take(0), 1000, 'empty: the next token is a second away');
  t.equal(b.take(500), 500);
  t.equal(b.take(1000), 0);
  b.pauseUntil(1000, 4000);
  t.equal(b.take(1000), 3000, 'paused by a Retry-After of 3 s');
  t.equal(b.take(3999), 1);
  t.equal(b.take(4000), 0);
  t.equal(b.take(4000), 1000);
});
