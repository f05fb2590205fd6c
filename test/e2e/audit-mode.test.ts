// Audit mode: `kube-posture serve --mode audit` never denies. A would-be denial is admitted with a
// `would deny:` warning, recorded in the API server's audit log under the `would-deny` annotation
// (prefixed with the webhook's name by the apiserver), and logged by the webhook as `would deny`.
// A namespace labelled kube-posture.io/mode=enforce is still denied (docs/operations.md, rollout).
//
// The apiserver runs with an audit policy (level Metadata: annotations, no bodies) and a log file.
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apply, createNamespace, startCluster } from './harness/cluster.js'
import { waitForWebhook } from './harness/webhook.js'
import { RELEASE, WARN_WEBHOOK, registerChartWebhooks, renderKubePosture, startKubePosture } from './harness/kube-posture.js'
import { PRIVILEGED_POD_PATH, pod, privilegedSpec } from './fixtures.js'

const NS = 'e2e-audit'
const ENFORCED_NS = 'e2e-audit-enforced'

const auditDir = mkdtempSync(join(tmpdir(), 'kube-posture-e2e-audit-'))
t.teardown(() => rmSync(auditDir, { recursive: true, force: true }))
const policyFile = join(auditDir, 'audit-policy.yaml')
const auditLog = join(auditDir, 'audit.log')
writeFileSync(
  policyFile,
  ['apiVersion: audit.k8s.io/v1', 'kind: Policy', 'omitStages: [RequestReceived]', 'rules:', '  - level: Metadata', ''].join('\n'),
)

const cluster = await startCluster({
  extraApiserverFlags: [`--audit-policy-file=${policyFile}`, `--audit-log-path=${auditLog}`, '--audit-log-mode=blocking'],
})
t.teardown(() => cluster.stop())

// The server reads the chart's default configuration (mode: enforce) and `--mode audit` overrides it;
// the webhooks are the chart's for mode audit (everything through the fail-open webhook; the
// fail-closed one only for namespaces labelled mode=enforce).
const defaults = await renderKubePosture({})
const auditRender = await renderKubePosture({ mode: 'audit' })
await createNamespace(cluster, RELEASE.namespace)
await createNamespace(cluster, NS)
await createNamespace(cluster, ENFORCED_NS, { 'kube-posture.io/mode': 'enforce' })
const server = await startKubePosture(cluster, { configYaml: defaults.configYaml, args: ['--mode', 'audit'] })
t.teardown(() => server.dispose())
t.teardown(() => {
  if (t.passing()) return
  t.comment(server.logText().split('\n').slice(-30).join('\n'))
  t.comment(cluster.logs(20))
})
await registerChartWebhooks(cluster, auditRender, server.url, server.ca.cert)
// In effect once the fail-open webhook answers with a would-deny warning.
await waitForWebhook(cluster, {
  manifest: pod('probe', privilegedSpec()),
  namespace: NS,
  inEffect: (r) => r.code === 0 && r.stderr.includes('Warning: would deny: [pss-privileged]'),
})

interface AuditEvent {
  stage: string
  verb: string
  objectRef?: { resource?: string; namespace?: string; name?: string }
  annotations?: Record<string, string>
  responseStatus?: { code?: number }
}

function auditEvents(): AuditEvent[] {
  let text = ''
  try {
    text = readFileSync(auditLog, 'utf8')
  } catch {
    return []
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as AuditEvent)
}

t.test('the server says it runs in audit mode', async (t) => {
  const listening = await server.waitForLog((l) => l['msg'] === 'webhook listening')
  t.equal(listening['mode'], 'audit', '--mode audit overrides the file (mode: enforce)')
})

t.test('a privileged pod is admitted with a would-deny warning, an audit annotation and a log line', async (t) => {
  const r = await apply(cluster, pod('audit-priv', privilegedSpec()), { namespace: NS })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, 'pod/audit-priv created')
  t.match(r.stderr, 'Warning: would deny: [pss-privileged]')
  t.notMatch(r.stderr, 'denied the request')
  const get = await cluster.kubectl(['get', 'pod', 'audit-priv', '-n', NS, '-o', 'name'])
  t.equal(get.stdout.trim(), 'pod/audit-priv', 'stored')

  // The apiserver writes the event once the response is sent; poll the log (bounded).
  const key = `${WARN_WEBHOOK}/would-deny`
  let event: AuditEvent | undefined
  for (let i = 0; i < 100 && !event; i++) {
    event = auditEvents().find(
      (e) => e.verb === 'create' && e.stage === 'ResponseComplete' && e.objectRef?.name === 'audit-priv' && e.objectRef?.namespace === NS,
    )
    if (!event) await new Promise((res) => setTimeout(res, 100))
  }
  t.ok(event, 'the create is in the audit log')
  const annotation = event?.annotations?.[key]
  t.ok(annotation, `audit annotation ${key}: ${JSON.stringify(event?.annotations)}`)
  t.match(annotation ?? '', '[pss-privileged]')
  t.match(annotation ?? '', PRIVILEGED_POD_PATH)
  t.equal(event?.responseStatus?.code, 201)

  const line = await server.waitForLog((l) => l['name'] === 'audit-priv' && !l['dryRun'])
  t.equal(line['msg'], 'admission review: would deny')
  t.equal(line['decision'], 'would_deny')
  t.equal(line['mode'], 'audit')
  t.same(line['wouldDeny'], [`pss-privileged@${PRIVILEGED_POD_PATH}`])
})

t.test('a compliant pod gets no warning and no would-deny annotation', async (t) => {
  const r = await apply(cluster, pod('audit-good'), { namespace: NS })
  t.equal(r.code, 0, r.stderr)
  t.notMatch(r.stderr, 'Warning:')
  let event: AuditEvent | undefined
  for (let i = 0; i < 100 && !event; i++) {
    event = auditEvents().find((e) => e.verb === 'create' && e.stage === 'ResponseComplete' && e.objectRef?.name === 'audit-good')
    if (!event) await new Promise((res) => setTimeout(res, 100))
  }
  t.ok(event, 'the create is in the audit log')
  t.notOk(Object.keys(event?.annotations ?? {}).some((k) => k.endsWith('/would-deny')), 'no would-deny annotation')
})

t.test('a namespace labelled kube-posture.io/mode=enforce is still enforced under global audit', async (t) => {
  // Such namespaces are sent to both webhooks (ADR 0004); both get the same denial from the server,
  // and the apiserver reports whichever answered first.
  const r = await waitForWebhook(cluster, { manifest: pod('enforced-priv', privilegedSpec()), namespace: ENFORCED_NS })
  t.match(r.stderr, '[pss-privileged]')
  const real = await apply(cluster, pod('enforced-priv', privilegedSpec()), { namespace: ENFORCED_NS })
  t.equal(real.code, 1)
  t.match(real.stderr, /admission webhook "(deny|warn)\.kube-posture\.io" denied the request/)
  t.notOk((await cluster.kubectl(['get', 'pod', 'enforced-priv', '-n', ENFORCED_NS])).code === 0, 'not stored')
  const line = await server.waitForLog((l) => l['name'] === 'enforced-priv' && !l['dryRun'])
  t.equal(line['decision'], 'denied')
  t.equal(line['mode'], 'enforce')
})
