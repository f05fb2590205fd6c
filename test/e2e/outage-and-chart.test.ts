// The Helm chart's objects against a real API server, and what happens while the webhook is down.
//
// 1. Every object `helm template` renders with default values whose kind the API server knows
//    without CRDs is accepted by a server-side dry run (cert-manager Certificates/Issuers and the
//    ServiceMonitor need CRDs and are skipped; which ones is asserted below). The chart's
//    ValidatingWebhookConfiguration, pointed at the local server, is applied for real and stored as
//    rendered.
// 2. Outage: with the server stopped, writes that the fail-closed webhook (deny.kube-posture.io,
//    failurePolicy Fail) covers are rejected with the API server's `failed calling webhook`; kinds
//    only the fail-open webhook covers pass; the namespaces the chart excludes (kube-system, the
//    release namespace) and a namespace with the break-glass label stay writable. With
//    webhook.failurePolicy=Ignore the same writes pass. A restart behind the same URL restores
//    enforcement.
import t from 'tap'
import { apply, createNamespace, startCluster, type KubectlResult } from './harness/cluster.js'
import { waitForWebhook } from './harness/webhook.js'
import {
  DENY_WEBHOOK,
  RELEASE,
  WARN_WEBHOOK,
  registerChartWebhooks,
  renderKubePosture,
  restartKubePosture,
  startKubePosture,
  type KubePostureServer,
} from './harness/kube-posture.js'
import { pod, privilegedSpec, type Obj } from './fixtures.js'
import type { K8sObject } from '../deploy/render.js'

const NS = 'e2e-outage'
const BREAK_GLASS_NS = 'e2e-break-glass'
/** API groups whose kinds come from CRDs this cluster does not have. */
const CRD_GROUPS = ['cert-manager.io', 'monitoring.coreos.com']

const cluster = await startCluster()
t.teardown(() => cluster.stop())

const render = await renderKubePosture({})
await createNamespace(cluster, RELEASE.namespace)
await createNamespace(cluster, NS)
await createNamespace(cluster, BREAK_GLASS_NS)
let server: KubePostureServer = await startKubePosture(cluster, { configYaml: render.configYaml })
t.teardown(() => server.dispose())
t.teardown(() => {
  if (t.passing()) return
  t.comment(server.logText().split('\n').slice(-30).join('\n'))
  t.comment(cluster.logs(20))
})

const groupOf = (o: K8sObject): string => (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '')
const skipped = render.objects.filter((o) => CRD_GROUPS.includes(groupOf(o)))
const checked = render.objects.filter((o) => !CRD_GROUPS.includes(groupOf(o)))
const describe = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`

async function stored(kind: string, name: string, ns: string): Promise<boolean> {
  const r = await cluster.kubectl(['get', kind, name, '-n', ns, '-o', 'name'])
  if (r.code === 0) return true
  if (!r.stderr.includes('NotFound')) throw new Error(`kubectl get ${kind}/${name}: ${r.stderr}`)
  return false
}

t.test('the chart renders only cert-manager kinds that need CRDs (default values)', async (t) => {
  t.same(skipped.map(describe).sort(), [
    'Certificate/kube-posture-ca',
    'Certificate/kube-posture-serving',
    'Issuer/kube-posture-ca',
    'Issuer/kube-posture-selfsigned',
  ])
  t.comment(`skipped (need CRDs): ${skipped.map(describe).join(', ')}`)
  t.comment(`dry-run: ${checked.map(describe).join(', ')}`)
  t.ok(checked.some((o) => o.kind === 'ValidatingWebhookConfiguration'))
  t.ok(checked.some((o) => o.kind === 'Deployment'))
})

function dryRunLines(r: KubectlResult): string[] {
  return r.stdout.split('\n').filter((l) => l.endsWith('(server dry run)'))
}

t.test('every other rendered object passes a server-side dry run (webhook not yet registered)', async (t) => {
  const r = await apply(cluster, checked, { dryRun: true })
  t.equal(r.code, 0, r.stderr)
  t.equal(dryRunLines(r).length, checked.length, r.stdout)
})

t.test("the chart's webhook configuration, pointed at the local server, is accepted and stored as rendered", async (t) => {
  const applied = await registerChartWebhooks(cluster, render, server.url, server.ca.cert)
  const r = await cluster.kubectl(['get', 'validatingwebhookconfiguration', RELEASE.name, '-o', 'json'])
  t.equal(r.code, 0, r.stderr)
  const live = JSON.parse(r.stdout) as { webhooks: Array<Record<string, unknown>> }
  const wanted = applied['webhooks'] as Array<Record<string, unknown>>
  t.same(live.webhooks.map((w) => w['name']), [DENY_WEBHOOK, WARN_WEBHOOK])
  for (const [i, w] of wanted.entries()) {
    const got = live.webhooks[i]!
    for (const field of ['rules', 'failurePolicy', 'sideEffects', 'namespaceSelector', 'timeoutSeconds', 'matchPolicy', 'admissionReviewVersions', 'clientConfig']) {
      t.same(got[field], w[field], `${String(w['name'])}.${field} stored as applied`)
    }
  }
  await waitForWebhook(cluster, { manifest: pod('probe', privilegedSpec()), namespace: NS, webhookName: DENY_WEBHOOK })
})

t.test("with the webhook running, the chart's own objects still pass (our policies admit our chart)", async (t) => {
  const r = await apply(cluster, checked, { dryRun: true })
  t.equal(r.code, 0, r.stderr)
  t.equal(dryRunLines(r).length, checked.length)
  // Cluster-scoped RBAC objects are not covered by the namespace exclusion: the server judged them.
  const line = await server.waitForLog((l) => l['kind'] === 'ClusterRole.rbac.authorization.k8s.io' && l['name'] === RELEASE.name)
  t.equal(line['decision'], 'allowed')
  t.equal(line['dryRun'], true)
  // Namespaced objects of the release namespace never reach the server.
  t.notOk(
    server.logLines().some((l) => l['namespace'] === RELEASE.namespace && typeof l['msg'] === 'string' && String(l['msg']).startsWith('admission review')),
    'no review for the release namespace',
  )
})

t.test('excluded namespaces are not sent to the webhook even while it runs', async (t) => {
  for (const ns of ['kube-system', RELEASE.namespace]) {
    const r = await apply(cluster, pod(`up-priv-${ns}`, privilegedSpec()), { namespace: ns, dryRun: true })
    t.equal(r.code, 0, `${ns}: ${r.stderr}`)
  }
  t.notOk(server.logLines().some((l) => String(l['name'] ?? '').startsWith('up-priv-')), 'the server saw none of them')
})

const FAILED = `failed calling webhook "${DENY_WEBHOOK}"`
const allowAllIngress = (name: string): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name },
  spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
})

t.test('webhook down, failurePolicy Fail: covered writes are rejected, everything else stays writable', async (t) => {
  await server.stop()
  t.not(server.process.exitReason(), undefined, 'the server has exited')

  for (const [name, spec] of [['down-good', undefined], ['down-priv', privilegedSpec()]] as const) {
    const r = await apply(cluster, pod(name, spec ?? undefined), { namespace: NS })
    t.equal(r.code, 1, `${name} rejected`)
    t.match(r.stderr, FAILED)
    t.notOk(await stored('pod', name, NS), `${name} not stored`)
  }
  const dry = await apply(cluster, pod('down-dry'), { namespace: NS, dryRun: true })
  t.equal(dry.code, 1)
  t.match(dry.stderr, FAILED, 'dry runs fail the same way')

  // NetworkPolicies are only in the fail-open webhook under the recommended profile.
  const np = await apply(cluster, allowAllIngress('down-netpol'), { namespace: NS })
  t.equal(np.code, 0, np.stderr)
  t.notMatch(np.stderr, 'Warning:', 'admitted unchecked: no warning')
  t.ok(await stored('networkpolicy', 'down-netpol', NS))

  // The chart's exclusions: the control plane's namespace and the release namespace.
  for (const ns of ['kube-system', RELEASE.namespace]) {
    const r = await apply(cluster, pod('down-in-excluded', privilegedSpec()), { namespace: ns })
    t.equal(r.code, 0, `${ns}: ${r.stderr}`)
    t.ok(await stored('pod', 'down-in-excluded', ns), `stored in ${ns}`)
  }
  // A Deployment of the webhook itself (what a rollout or a restart needs) can be written.
  const self = render.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === RELEASE.name)!
  const d = await apply(cluster, self)
  t.equal(d.code, 0, d.stderr)
  t.ok(await stored('deployment', RELEASE.name, RELEASE.namespace))
})

t.test('webhook down: the break-glass namespace label opts a namespace out', async (t) => {
  const before = await apply(cluster, pod('glass'), { namespace: BREAK_GLASS_NS, dryRun: true })
  t.match(before.stderr, FAILED, 'blocked before the label')
  const label = await cluster.kubectl(['label', 'namespace', BREAK_GLASS_NS, 'kube-posture.io/webhook=disabled'])
  t.equal(label.code, 0, label.stderr)
  // The apiserver reads namespace labels from its informer: poll until the write goes through.
  await waitForWebhook(cluster, { manifest: pod('glass'), namespace: BREAK_GLASS_NS, inEffect: (r) => r.code === 0 })
  const r = await apply(cluster, pod('glass'), { namespace: BREAK_GLASS_NS })
  t.equal(r.code, 0, r.stderr)
  // Still blocked elsewhere.
  const other = await apply(cluster, pod('glass'), { namespace: NS, dryRun: true })
  t.match(other.stderr, FAILED)
})

t.test('webhook down, webhook.failurePolicy=Ignore: the same writes are admitted unchecked', async (t) => {
  const ignore = await renderKubePosture({ webhook: { failurePolicy: 'Ignore' } })
  const hooks = ignore.webhookConfiguration!['webhooks'] as Array<{ name: string; failurePolicy: string }>
  t.same(hooks.map((h) => [h.name, h.failurePolicy]), [[DENY_WEBHOOK, 'Ignore'], [WARN_WEBHOOK, 'Ignore']])
  await registerChartWebhooks(cluster, ignore, server.url, server.ca.cert)
  await waitForWebhook(cluster, { manifest: pod('ignored-priv', privilegedSpec()), namespace: NS, inEffect: (r) => r.code === 0 })
  const r = await apply(cluster, pod('ignored-priv', privilegedSpec()), { namespace: NS })
  t.equal(r.code, 0, r.stderr)
  t.ok(await stored('pod', 'ignored-priv', NS), 'a privileged pod got in while nothing checked it')
})

t.test('a restart behind the same URL restores enforcement', async (t) => {
  await registerChartWebhooks(cluster, render, server.url, server.ca.cert) // back to Fail
  server = await restartKubePosture(cluster, server, {})
  const r = await waitForWebhook(cluster, { manifest: pod('back-priv', privilegedSpec()), namespace: NS, webhookName: DENY_WEBHOOK })
  t.match(r.stderr, '[pss-privileged]')
  const good = await apply(cluster, pod('back-good'), { namespace: NS })
  t.equal(good.code, 0, good.stderr)
  t.ok(await stored('pod', 'back-good', NS))
})
