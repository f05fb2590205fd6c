// Alerts end to end: the webhook (`kube-posture serve`, configured from the chart with an Alertmanager
// sink and a Kubernetes Events sink) behind a real kube-apiserver, and a real Alertmanager. A denied
// `kubectl apply` shows up in Alertmanager's API with its labels and annotations and in `kubectl get
// events` on the object; a server-side dry run shows up in neither; the alert resolves when its lease
// runs out, and Alertmanager notifies its receiver of both.
import t from 'tap'
import { apply, createNamespace, startCluster } from './harness/cluster.js'
import { startAlertmanager } from './harness/alertmanager.js'
import { waitForWebhook } from './harness/webhook.js'
import { DENY_WEBHOOK, RELEASE, registerChartWebhooks, renderKubePosture, startKubePosture } from './harness/kube-posture.js'
import { PRIVILEGED_POD_PATH, pod, privilegedSpec } from './fixtures.js'

const NS = 'e2e-alerts'
const LEASE_SECONDS = 5

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await get()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const am = await startAlertmanager()
t.teardown(() => am.stop())
const cluster = await startCluster()
t.teardown(() => cluster.stop())

const render = await renderKubePosture({
  config: {
    alerts: {
      cluster: 'e2e',
      admissionWindowSeconds: 60,
      sinks: [
        { name: 'alertmanager', type: 'alertmanager', url: am.url, resolveAfterSeconds: LEASE_SECONDS },
        { name: 'events', type: 'events' },
      ],
    },
  },
})
await createNamespace(cluster, RELEASE.namespace)
await createNamespace(cluster, NS)
const server = await startKubePosture(cluster, { configYaml: render.configYaml })
t.teardown(() => server.dispose())
t.teardown(() => {
  if (t.passing()) return
  t.comment(server.logText().split('\n').slice(-40).join('\n'))
})
await registerChartWebhooks(cluster, render, server.url, server.ca.cert)
await waitForWebhook(cluster, { manifest: pod('probe', privilegedSpec()), namespace: NS, webhookName: DENY_WEBHOOK })

t.test('a denied kubectl apply reaches Alertmanager and kubectl get events; a dry run does not', async (t) => {
  const dry = await apply(cluster, pod('dry-priv', privilegedSpec()), { namespace: NS, dryRun: true })
  t.equal(dry.code, 1, 'the dry run is denied')
  const denied = await apply(cluster, pod('priv', privilegedSpec()), { namespace: NS })
  t.equal(denied.code, 1, 'kubectl apply is denied')

  const alert = await until('the alert in Alertmanager', async () => (await am.alerts([`name="priv"`, 'policy="pss-privileged"']))[0])
  t.same(alert.labels, { alertname: 'KubePostureViolation', policy: 'pss-privileged', severity: alert.labels.severity, namespace: NS, kind: 'Pod', name: 'priv', cluster: 'e2e', source: 'admission' })
  t.match(alert.labels.severity, /^(critical|high)$/)
  t.equal(alert.annotations.path, PRIVILEGED_POD_PATH)
  t.match(alert.annotations.message, /privileged/)
  t.ok(alert.annotations.remediation)
  t.equal(alert.status.state, 'active')

  const events = await until('the PolicyViolation event', async () => {
    const r = await cluster.kubectl(['get', 'events', '-n', NS, '--field-selector', 'reason=PolicyViolation', '-o', 'json'])
    const items = (JSON.parse(r.stdout || '{"items":[]}') as { items: Array<Record<string, any>> }).items
    return items.some((e) => e.involvedObject?.name === 'priv' && String(e.message).includes('pss-privileged')) ? items : undefined
  })
  const event = events.find((e) => e.involvedObject.name === 'priv' && String(e.message).includes('pss-privileged'))!
  t.match(event, { type: 'Warning', reason: 'PolicyViolation', action: 'Resource Blocked', reportingComponent: 'kube-posture-admission', involvedObject: { kind: 'Pod', name: 'priv', namespace: NS } })
  t.match(event.message, PRIVILEGED_POD_PATH)
  const listed = await cluster.kubectl(['get', 'events', '-n', NS])
  t.match(listed.stdout, /PolicyViolation/, 'kubectl get events shows it')

  t.same(await am.alerts(['name="dry-priv"']), [], 'the dry run is not in Alertmanager')
  t.notOk(events.some((e) => e.involvedObject?.name === 'dry-priv'), 'and made no event')
})

t.test('the alert resolves when its lease runs out, and Alertmanager notifies firing then resolved', async (t) => {
  await until('the alert to leave the active list', async () => ((await am.alerts(['name="priv"'])).length === 0 ? true : undefined), (LEASE_SECONDS + 20) * 1000)
  const isOurs = (a: { labels: Record<string, string> }) => a.labels.name === 'priv' && a.labels.policy === 'pss-privileged'
  const resolved = await until('the resolved notification', async () => am.notifications.flatMap((n) => n.alerts).find((a) => isOurs(a) && a.status === 'resolved'))
  t.equal(resolved.labels.source, 'admission')
  t.ok(Date.parse(resolved.endsAt) <= Date.now(), 'endsAt is past')
  t.ok(am.notifications.flatMap((n) => n.alerts).some((a) => isOurs(a) && a.status === 'firing'), 'it was notified firing first')
})
