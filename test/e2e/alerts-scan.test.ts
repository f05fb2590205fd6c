// Scan alerts end to end: `kube-posture controller` against a real kube-apiserver, with an Alertmanager
// sink (a real Alertmanager) and an events sink. A privileged Pod that was there before the controller
// started is not announced; one created afterwards fires (source=scan) and gets a PolicyViolation
// event; deleting it resolves the alert at once (endsAt now, long before its lease).
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apply, createNamespace, startCluster } from './harness/cluster.js'
import { startAlertmanager } from './harness/alertmanager.js'
import { REPO_ROOT } from './harness/kube-posture.js'
import { pod, privilegedSpec } from './fixtures.js'

const NS = 'e2e-scan-alerts'

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await get()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${log.slice(-20).join('\n')}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

const am = await startAlertmanager()
t.teardown(() => am.stop())
const cluster = await startCluster()
t.teardown(() => cluster.stop())
await createNamespace(cluster, NS)
const before = await apply(cluster, pod('old-priv', privilegedSpec()), { namespace: NS })
if (before.code !== 0) throw new Error(before.stderr)

const dir = mkdtempSync(join(tmpdir(), 'kube-posture-e2e-scan-alerts-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(join(dir, 'config.yaml'), [
  'alerts:',
  '  cluster: e2e',
  '  sinks:',
  `    - { name: alertmanager, type: alertmanager, url: "${am.url}", resolveAfterSeconds: 300, policies: [pss-privileged] }`,
  '    - { name: events, type: events, policies: [pss-privileged] }',
  '',
].join('\n'))
const log: string[] = []
let ops: string | undefined // the ops URL, for a look at /metrics when debugging
const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller', '--config', join(dir, 'config.yaml'), '--kubeconfig', cluster.kubeconfig, '--reports', 'none', '--leader-elect=false', '--ops-port', '0', '--host', '127.0.0.1', '--identity', 'scanner-0'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
let buf = ''
const onData = (d: Buffer): void => {
  buf += d.toString()
  let nl: number
  while ((nl = buf.indexOf('\n')) !== -1) {
    const line = buf.slice(0, nl)
    buf = buf.slice(nl + 1)
    if (log.length < 2000) log.push(line)
    ops ??= /"ops":"(http:\/\/[^"]+)"/.exec(line)?.[1]
  }
}
child.stdout.on('data', onData)
child.stderr.on('data', onData)
t.teardown(() => void child.kill('SIGKILL'))

t.test('found after start: fires to Alertmanager and as an event; deleted: resolved at once', async (t) => {
  await until('the baseline', async () => (log.some((l) => l.includes('alerts: baseline taken')) ? true : undefined))
  const created = await apply(cluster, pod('new-priv', privilegedSpec()), { namespace: NS })
  t.equal(created.code, 0, 'no webhook here: the Pod is stored')
  const alert = await until('the scan alert', async () => (await am.alerts(['name="new-priv"']))[0])
  t.same(alert.labels, { alertname: 'KubePostureViolation', policy: 'pss-privileged', severity: alert.labels.severity, namespace: NS, kind: 'Pod', name: 'new-priv', cluster: 'e2e', source: 'scan' })
  t.same(await am.alerts(['name="old-priv"']), [], 'the Pod that was there at start is not announced')
  const event = await until('the scan event', async () => {
    const r = await cluster.kubectl(['get', 'events', '-n', NS, '--field-selector', 'reason=PolicyViolation,involvedObject.name=new-priv', '-o', 'json'])
    return (JSON.parse(r.stdout || '{"items":[]}') as { items: Array<Record<string, any>> }).items[0]
  })
  t.match(event, { type: 'Warning', action: 'None', reportingComponent: 'kube-posture-scan', reportingInstance: 'scanner-0', involvedObject: { kind: 'Pod', name: 'new-priv' } })

  const deleted = await cluster.kubectl(['delete', 'pod', 'new-priv', '-n', NS, '--wait=false'])
  t.equal(deleted.code, 0)
  await until('the resolution', async () => ((await am.alerts(['name="new-priv"'])).length === 0 ? true : undefined), 30_000)
  t.pass('resolved long before its 300 s lease: sent with endsAt now')
})
