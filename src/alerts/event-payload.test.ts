import t from 'tap';
import { eventObject, microTime } from './event-payload.js';
import { testAlert } from './test-alert.js';

t.test('an events.k8s.io/v1 Event in the shape Kyverno uses, regarding the object', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00.123Z');
  const a = testAlert();
  const e = eventObject(a, now, 'kube-posture-webhook-7d9f');
  t.match(e, {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'kube-posture', 'kube-posture.io/policy': 'pss-privileged' } },
    eventTime: '2026-01-01T00:00:00.123000Z',
    reportingController: 'kube-posture-admission',
    reportingInstance: 'kube-posture-webhook-7d9f',
    action: 'Resource Blocked',
    reason: 'PolicyViolation',
    type: 'Warning',
    note: 'policy pss-privileged: container "c" is privileged [spec.containers[0].securityContext.privileged]',
    regarding: { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'shop', uid: 'u-1' },
  });
  t.match((e.metadata as { name: string }).name, /^web\.[0-9a-f]{16}$/);
  t.equal(eventObject(a, now + 5, 'x').metadata && (eventObject(a, now + 5, 'x').metadata as { name: string }).name, (e.metadata as { name: string }).name, 'the same occurrence has the same name (a retry cannot duplicate it)');
  t.not((eventObject({ ...a, count: 2 }, now, 'x').metadata as { name: string }).name, (e.metadata as { name: string }).name);
});

t.test('scan findings, passes, cluster-scoped objects, long notes and odd names', async (t) => {
  const scan = eventObject(testAlert({ source: 'scan', blocked: false, count: 3 }), 0, 'c');
  t.equal(scan.reportingController, 'kube-posture-scan');
  t.equal(scan.action, 'None');
  t.match(scan.note, /\(3 times\)$/);
  t.equal(eventObject(testAlert({ blocked: false }), 0, 'c').action, 'Resource Passed');
  const node = eventObject(testAlert({ resource: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'Admin:*', uid: '' } }), 0, 'c');
  t.equal((node.metadata as { namespace: string }).namespace, 'default');
  t.same(node.regarding, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'Admin:*' });
  t.match((node.metadata as { name: string }).name, /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'a valid object name');
  t.equal((eventObject(testAlert({ message: 'x'.repeat(5000) }), 0, 'c').note as string).length, 1024);
  t.equal(microTime(Date.parse('2026-01-01T00:00:00Z')), '2026-01-01T00:00:00.000000Z');
});
