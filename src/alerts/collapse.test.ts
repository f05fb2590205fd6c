import t from 'tap';
import { CollapseWindow } from './collapse.js';
import { testAlert } from './test-alert.js';

t.test('the first denial is sent at once; repeats in the window become one alert with the count', async (t) => {
  const w = new CollapseWindow(60_000);
  const a = testAlert();
  t.same(w.offer(a, 0).map((x) => x.count), [1]);
  t.same(w.offer({ ...a, lastSeen: 10_000 }, 10_000), []);
  t.same(w.offer({ ...a, lastSeen: 20_000 }, 20_000), []);
  t.same(w.flush(59_999), [], 'window still open');
  const closed = w.flush(60_000);
  t.equal(closed.length, 1);
  t.equal(closed[0]!.count, 3);
  t.equal(closed[0]!.isNew, false, 'a count update is not a new finding');
  t.equal(closed[0]!.lastSeen, 20_000);
  t.equal(w.size, 0);
  t.same(w.offer(a, 70_000).map((x) => x.count), [1], 'after the window, the next denial opens a new one');
});

t.test('a window without repeats closes silently; different findings do not collapse', async (t) => {
  const w = new CollapseWindow(1000);
  const a = testAlert();
  const b = testAlert({ policyId: 'other' });
  t.equal(w.offer(a, 0).length, 1);
  t.equal(w.offer(b, 0).length, 1);
  t.same(w.flush(1000), []);
});

t.test('bounded: past maxEntries the oldest window closes early, its count kept', async (t) => {
  const w = new CollapseWindow(60_000, 2);
  const a = testAlert({ policyId: 'a' });
  w.offer(a, 0);
  w.offer(a, 1);
  w.offer(testAlert({ policyId: 'b' }), 2);
  const out = w.offer(testAlert({ policyId: 'c' }), 3);
  t.same(out.map((x) => [x.policyId, x.count]), [['a', 2], ['c', 1]]);
  t.equal(w.size, 2);
  t.same(w.flushAll(), []);
});

t.test('repeat(): a repeat is counted by key without an alert being built; none outside a window', async (t) => {
  const w = new CollapseWindow(1000);
  t.equal(w.repeat('k', 0), false, 'no window yet');
  w.offer(testAlert(), 0, 'k');
  t.equal(w.repeat('k', 10), true);
  t.equal(w.repeat('k', 20), true);
  t.equal(w.repeat('k', 1000), false, 'the window has ended');
  const closed = w.flush(1000);
  t.same(closed.map((a) => [a.count, a.lastSeen, a.firstSeen]), [[3, 20, 0]]);
});
