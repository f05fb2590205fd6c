import t from 'tap';
import { matchesFilter } from './filter.js';
import { fingerprint, resourceKey } from './fingerprint.js';
import { testAlert } from './test-alert.js';

t.test('each filter setting narrows; none lets everything through', async (t) => {
  const a = testAlert({ severity: 'medium', source: 'scan', isNew: false });
  t.ok(matchesFilter(a, {}));
  t.ok(matchesFilter(a, { minSeverity: 'medium' }));
  t.notOk(matchesFilter(a, { minSeverity: 'high' }));
  t.ok(matchesFilter(a, { sources: ['scan'] }));
  t.notOk(matchesFilter(a, { sources: ['admission'] }));
  t.ok(matchesFilter(a, { actions: ['deny'] }));
  t.notOk(matchesFilter(a, { actions: ['warn', 'audit'] }));
  t.ok(matchesFilter(a, { namespaces: ['shop'] }));
  t.notOk(matchesFilter(a, { namespaces: ['other'] }));
  t.notOk(matchesFilter(testAlert({ resource: { apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'x' } }), { namespaces: ['shop'] }), 'cluster-scoped objects never match a namespace list');
  t.ok(matchesFilter(a, { policies: ['pss-privileged'] }));
  t.notOk(matchesFilter(a, { policies: ['x'] }));
  t.notOk(matchesFilter(a, { onlyNew: true }));
  t.ok(matchesFilter({ ...a, isNew: true }, { onlyNew: true }));
});

t.test('fingerprints are stable and separate every field', async (t) => {
  const r = { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'shop', uid: 'u1' };
  const fp = fingerprint('prod', r, 'p', 'spec.x');
  t.match(fp, /^[0-9a-f]{32}$/);
  t.equal(fingerprint('prod', { ...r }, 'p', 'spec.x'), fp);
  t.not(fingerprint('prod2', r, 'p', 'spec.x'), fp);
  t.not(fingerprint('prod', { ...r, uid: 'u2' }, 'p', 'spec.x'), fp);
  t.not(fingerprint('prod', r, 'q', 'spec.x'), fp);
  t.not(fingerprint('prod', r, 'p', 'spec.y'), fp);
  t.equal(fingerprint('prod', { ...r, name: 'renamed' }, 'p', 'spec.x'), fp, 'the uid identifies an object that has one');
  const created = { ...r, uid: '' };
  t.equal(resourceKey(created), 'ref:v1/Pod/shop/web', 'without a uid (a denied CREATE), kind, namespace and name stand in');
  t.not(fingerprint('prod', { ...created, name: 'other' }, 'p', 'spec.x'), fingerprint('prod', created, 'p', 'spec.x'));
});

t.test('without `actions`, admission alerts are denials only and scan alerts every action', async (t) => {
  t.ok(matchesFilter(testAlert({ source: 'admission', action: 'deny' }), {}));
  t.notOk(matchesFilter(testAlert({ source: 'admission', action: 'warn' }), {}), 'a warned admission is not alerted by default');
  t.notOk(matchesFilter(testAlert({ source: 'admission', action: 'audit' }), {}));
  t.ok(matchesFilter(testAlert({ source: 'admission', action: 'warn' }), { actions: ['warn'] }), 'unless the sink asks for it');
  t.ok(matchesFilter(testAlert({ source: 'scan', action: 'warn' }), {}), 'a new warn finding of the scanner is alerted');
});
