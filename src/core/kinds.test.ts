import t from 'tap';
import { canonicalKind, isAnyKind, lookupKind, parseKindRef } from './kinds.js';

t.test('moved kinds are judged as the kind they became', async (t) => {
  t.same(canonicalKind({ group: 'extensions', kind: 'DaemonSet' }), { group: 'apps', kind: 'DaemonSet' });
  t.same(canonicalKind({ group: 'extensions', kind: 'NetworkPolicy' }), { group: 'networking.k8s.io', kind: 'NetworkPolicy' });
  t.same(canonicalKind({ group: 'apps', kind: 'DaemonSet' }), { group: 'apps', kind: 'DaemonSet' });
  t.same(lookupKind({ group: 'extensions', kind: 'Deployment' })?.podPath, ['spec', 'template'], 'its pod template is found');
  t.equal(lookupKind({ group: 'extensions', kind: 'PodSecurityPolicy' }), undefined, 'a kind that became nothing stays unknown');
});

t.test('"*" names every kind', async (t) => {
  t.ok(isAnyKind(parseKindRef('*')));
  t.notOk(isAnyKind(parseKindRef('Pod')));
});
