import t from 'tap';
import { AlertQueue } from './queue.js';
import type { Severity } from '../core/types.js';

const item = (id: string, severity: Severity) => ({ id, severity });

t.test('takes the most severe first, oldest first within a severity', async (t) => {
  const q = new AlertQueue<{ id: string; severity: Severity }>(10);
  q.push(item('l1', 'low'));
  q.push(item('c1', 'critical'));
  q.push(item('l2', 'low'));
  q.push(item('c2', 'critical'));
  q.push(item('m1', 'medium'));
  t.same(q.drain().map((i) => i.id), ['c1', 'c2', 'm1', 'l1', 'l2']);
  t.equal(q.size, 0);
  t.equal(q.take(), undefined);
});

t.test('when full, drops the oldest of the lowest severity present', async (t) => {
  const q = new AlertQueue<{ id: string; severity: Severity }>(3);
  t.equal(q.push(item('i1', 'info')), undefined);
  t.equal(q.push(item('i2', 'info')), undefined);
  t.equal(q.push(item('h1', 'high')), undefined);
  t.same(q.push(item('c1', 'critical')), item('i1', 'info'), 'the oldest info goes first');
  t.same(q.push(item('m1', 'medium')), item('i2', 'info'));
  t.same(q.push(item('l1', 'low')), item('l1', 'low'), 'a newcomer less severe than everything queued is itself dropped');
  t.same(q.push(item('m2', 'medium')), item('m2', 'medium'), 'equal to the lowest: the newcomer goes, the older one keeps its place');
  t.equal(q.size, 3);
  t.same(q.drain().map((i) => i.id), ['c1', 'h1', 'm1']);
});

t.test('stays bounded over many pushes and takes', async (t) => {
  const q = new AlertQueue<{ id: string; severity: Severity }>(5);
  let dropped = 0;
  for (let i = 0; i < 10_000; i++) {
    if (q.push(item(String(i), i % 2 === 0 ? 'high' : 'low')) !== undefined) dropped++;
    if (i % 3 === 0) q.take();
  }
  t.ok(q.size <= 5);
  t.equal(dropped + q.size + Math.ceil(10_000 / 3), 10_000);
});

t.test('rejects a capacity that is not a positive integer', async (t) => {
  t.throws(() => new AlertQueue(0), RangeError);
  t.throws(() => new AlertQueue(1.5), RangeError);
});

t.test('wouldDrop: only when full of items at least as severe', async (t) => {
  const q = new AlertQueue<{ id: string; severity: Severity }>(2);
  t.equal(q.wouldDrop('info'), false, 'not full');
  q.push(item('h', 'high'));
  q.push(item('m', 'medium'));
  t.equal(q.wouldDrop('medium'), true);
  t.equal(q.wouldDrop('low'), true);
  t.equal(q.wouldDrop('high'), false, 'a high one would push the medium out');
});
