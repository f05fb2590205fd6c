/**
 * The chart's part in alerting: config.alerts reaches the pods' configuration (and the server takes
 * it), the sink Secret is mounted read-only in both the webhook and the scanner, `create` on events is
 * granted only when an events sink is configured, and alert receivers get their egress rules.
 */
import t from 'tap';
import { parseConfig } from '../../src/config/load-config.js';
import { findHelm, findObject, isScanner, renderChart, webhookObject, type K8sObject } from './render.js';

if (!(await findHelm())) {
  t.fail('helm not found: npm test builds it first (its pretest script runs scripts/install-helm.sh)');
  process.exit(1);
}

const alerts = {
  cluster: 'prod-eu-1',
  sinks: [
    { name: 'alertmanager', type: 'alertmanager', url: 'http://alertmanager.monitoring:9093' },
    { name: 'slack', type: 'slack', url: { fromFile: '/etc/kube-posture/alerts/slack-url' }, minSeverity: 'high' },
    { name: 'events', type: 'events' },
  ],
};
const eventsRule = (role: K8sObject | undefined) => ((role?.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]) ?? []).filter((r) => r.apiGroups.includes('events.k8s.io'));
const roles = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'ClusterRole');

t.test('config.alerts is rendered into the configuration the server reads', async (t) => {
  const objects = await renderChart({ config: { alerts }, alerts: { secretName: 'kube-posture-alerts' } });
  const cm = findObject(objects, 'ConfigMap', 'kube-posture-config')!;
  const config = parseConfig((cm.data as Record<string, string>)['config.yaml']!, 'config.yaml');
  t.equal(config.alerts?.cluster, 'prod-eu-1');
  t.same(config.alerts?.sinks.map((s) => s.type), ['alertmanager', 'slack', 'events']);
  for (const pod of [(webhookObject(objects, 'Deployment')!.spec as any).template.spec, (objects.find((o) => o.kind === 'Deployment' && isScanner(o))!.spec as any).template.spec]) {
    t.same(pod.volumes.find((v: { name: string }) => v.name === 'alert-secrets'), { name: 'alert-secrets', secret: { secretName: 'kube-posture-alerts', defaultMode: 0o440 } });
    t.same(pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'alert-secrets'), { name: 'alert-secrets', mountPath: '/etc/kube-posture/alerts', readOnly: true });
  }
  for (const role of roles(objects)) t.same(eventsRule(role).map((r) => r.verbs), [['create']], `${role.metadata.name}: may create events`);
});

t.test('by default: no Secret mounted, no events permission', async (t) => {
  const objects = await renderChart({});
  const pod = (webhookObject(objects, 'Deployment')!.spec as any).template.spec;
  t.notOk(pod.volumes.some((v: { name: string }) => v.name === 'alert-secrets'));
  for (const role of roles(objects)) t.same(eventsRule(role), [], `${role.metadata.name}: no events`);
  const noEvents = await renderChart({ config: { alerts: { sinks: [alerts.sinks[0]] } } });
  for (const role of roles(noEvents)) t.same(eventsRule(role), [], 'an Alertmanager sink alone needs no events permission');
});

t.test('networkPolicy.alertsEgress opens egress to alert receivers', async (t) => {
  const rule = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9093, protocol: 'TCP' }] };
  const objects = await renderChart({ networkPolicy: { alertsEgress: [rule] } });
  for (const np of objects.filter((o) => o.kind === 'NetworkPolicy')) t.same((np.spec as { egress: unknown[] }).egress.at(-1), rule, np.metadata.name);
  await t.rejects(renderChart({ config: { alerts: { sinks: [{ name: 'x', type: 'pagerduty' }] } } }), 'a bad sink is rejected by the values schema');
});
