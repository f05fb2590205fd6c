import t from 'tap';
import { ScanTracker } from './scan-tracker.js';
import { testAlert } from './test-alert.js';

const priv = testAlert({ source: 'scan' });
const host = testAlert({ source: 'scan', policyId: 'pss-host-network', path: 'spec.hostNetwork' });
const priv2 = testAlert({ source: 'scan', path: 'spec.containers[1].securityContext.privileged' });

t.test('findings present before the baseline ends are remembered, not announced', async (t) => {
  const tr = new ScanTracker();
  t.same(tr.update('u-1', [priv], 1), { fired: [], resolved: [] });
  tr.endBaseline();
  t.same(tr.update('u-1', [priv], 2), { fired: [], resolved: [] }, 'still there after start: not re-announced');
  const c = tr.update('u-1', [priv, host], 3);
  t.same(c.fired.map((a) => a.policyId), ['pss-host-network'], 'a new finding fires once');
  t.equal(c.fired[0]!.isNew, true);
  t.same(tr.update('u-1', [priv, host], 4).fired, [], 'and only once');
  t.equal(tr.activeCount, 2);
  t.equal(tr.active().find((a) => a.policyId === 'pss-privileged')!.firstSeen, 1, 'active alerts keep when they started');
});

t.test('a finding that goes resolves once; a deleted object resolves all of its findings', async (t) => {
  const tr = new ScanTracker();
  tr.endBaseline();
  tr.update('u-1', [priv, host], 1);
  const fixed = tr.update('u-1', [priv], 2);
  t.same(fixed.resolved.map((a) => [a.policyId, a.status, a.lastSeen]), [['pss-host-network', 'resolved', 2]]);
  t.same(tr.update('u-1', [priv], 3).resolved, []);
  const gone = tr.update('u-1', [], 4);
  t.same(gone.resolved.map((a) => a.policyId), ['pss-privileged']);
  t.equal(tr.activeCount, 0);
  t.same(tr.update('u-1', [], 5), { fired: [], resolved: [] });
});

t.test('a resolved field is flagged while the same policy still fires on another field of the object', async (t) => {
  const tr = new ScanTracker();
  tr.endBaseline();
  tr.update('u-1', [priv, priv2], 1);
  const c = tr.update('u-1', [priv2], 2);
  t.equal(c.resolved.length, 1);
  t.equal(c.resolved[0]!.samePolicyActive, true);
  t.equal(tr.update('u-1', [], 3).resolved[0]!.samePolicyActive, undefined);
});
