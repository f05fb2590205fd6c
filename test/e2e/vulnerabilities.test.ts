// Image scan results from Trivy Operator in the live scan, against a real kube-apiserver and
// kube-controller-manager: the VulnerabilityReport CRD (written from Trivy Operator's published schema)
// is installed, a Deployment really makes its ReplicaSet, a VulnerabilityReport is created for the
// ReplicaSet's container as Trivy Operator writes it (labels and ownerReference), and the controller's
// OpenReports Report for the Deployment shows the `image-vulnerabilities` finding (category
// vulnerability). A changed report (the package fixed) takes the finding away again; `audit` reads the
// same reports, and a malformed report is an error naming it. Then the webhook with its VulnerabilityReport
// cache enabled and image-vulnerabilities at deny: a new Deployment of the known vulnerable image is
// denied, one of a clean image admitted, one of an image never scanned admitted with a warning.
import t from 'tap'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { apply, createNamespace, startCluster } from './harness/cluster.js'
import { DENY_WEBHOOK, RELEASE, REPO_ROOT, registerChartWebhooks, renderKubePosture, startKubePosture } from './harness/kube-posture.js'
import { waitForWebhook } from './harness/webhook.js'

const cluster = await startCluster({ controllerManager: true })
t.teardown(() => cluster.stop())

let log: string[] = []
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms\n${cluster.logs(20)}\n${log.slice(-30).join('\n')}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

const ok = async (p: Promise<{ code: number; stderr: string; stdout: string }>) => {
  const r = await p
  if (r.code !== 0) throw new Error(r.stderr)
  return r.stdout
}

const fixture = (name: string) => parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'trivy-operator', name), 'utf8')) as any

type Report = { scope: { kind: string; name: string; namespace?: string }; results?: { policy: string; result: string; category?: string; message?: string }[] }
async function reportFor(kind: string, name: string, namespace: string): Promise<Report | undefined> {
  const list = JSON.parse(await ok(cluster.kubectl(['get', 'reports.openreports.io', '-n', namespace, '-o', 'json']))) as { items: Report[] }
  return list.items.find((r) => r.scope.kind === kind && r.scope.name === name)
}

await ok(cluster.kubectl(['apply', '-f', join(REPO_ROOT, 'charts', 'kube-posture', 'crds')]))
await ok(cluster.kubectl(['apply', '-f', join(REPO_ROOT, 'test', 'fixtures', 'trivy-operator', 'vulnerabilityreports-crd.yaml')]))
await waitFor('the VulnerabilityReport CRD is served', async () => (await cluster.kubectl(['get', 'vulnerabilityreports', '-A'])).code === 0)
await createNamespace(cluster, 'shop')
await ok(apply(cluster, {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25.3', securityContext: { allowPrivilegeEscalation: false } }] } },
  },
}))
let rsName = ''
let rsUid = ''
await waitFor('the Deployment\'s ReplicaSet', async () => {
  const out = (await cluster.kubectl(['get', 'replicasets', '-n', 'shop', '-o', 'jsonpath={.items[0].metadata.name} {.items[0].metadata.uid}'])).stdout.trim()
  ;[rsName = '', rsUid = ''] = out.split(' ')
  return rsUid !== ''
})

/** The fixture report, for this ReplicaSet, as Trivy Operator names and links it. */
function reportForReplicaSet(): any {
  const r = fixture('replicaset-web-nginx.yaml')
  r.metadata.name = `replicaset-${rsName}-nginx`
  r.metadata.labels['trivy-operator.resource.name'] = rsName
  r.metadata.ownerReferences[0].name = rsName
  r.metadata.ownerReferences[0].uid = rsUid
  return r
}
await ok(apply(cluster, reportForReplicaSet()))

let controller: ChildProcess | undefined
t.teardown(() => { controller?.kill('SIGKILL') })

t.test('the controller reports the fixable critical on the Deployment, and forgets it once the report is clean', async (t) => {
  controller = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller', '--kubeconfig', cluster.kubeconfig, '--leader-elect=false', '--ops-port', '0', '--host', '127.0.0.1'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  log = []
  const keep = (d: Buffer) => { for (const l of d.toString().split('\n')) if (l !== '' && log.length < 2000) log.push(l) }
  controller.stdout!.on('data', keep)
  controller.stderr!.on('data', keep)

  let finding: NonNullable<Report['results']>[number] | undefined
  await waitFor('the image-vulnerabilities result on the Deployment', async () => {
    finding = (await reportFor('Deployment', 'web', 'shop'))?.results?.find((r) => r.policy === 'image-vulnerabilities')
    return finding !== undefined
  })
  t.equal(finding!.result, 'warn', 'warn in the recommended profile')
  t.equal(finding!.category, 'vulnerability')
  t.match(finding!.message, /1 fixable critical vulnerability \(Trivy Operator, VulnerabilityReport shop\/replicaset-web-[a-z0-9]+-nginx\): CVE-2024-6387 in openssh-client 1:9.2p1-2\+deb12u2, fixed in 1:9.2p1-2\+deb12u3/)
  t.equal(await reportFor('ReplicaSet', rsName, 'shop'), undefined, 'reported once, on the Deployment, not on its ReplicaSet')
  t.notOk((await reportFor('Deployment', 'web', 'shop'))?.results?.some((r) => r.policy === 'image-vulnerability-report-missing'), 'the image has a report')

  // Trivy Operator rescans after the image's package was fixed: the same report, now without the critical.
  const fixed = reportForReplicaSet()
  fixed.report.vulnerabilities = fixed.report.vulnerabilities.filter((v: { severity: string }) => v.severity !== 'CRITICAL')
  fixed.report.summary.criticalCount = 0
  await ok(apply(cluster, fixed))
  await waitFor('the finding gone after the report changed', async () => {
    const results = (await reportFor('Deployment', 'web', 'shop'))?.results ?? []
    return !results.some((r) => r.policy === 'image-vulnerabilities')
  })
  t.pass('a changed report judges its workload again')
})

t.test('audit reads the same reports; a malformed one is an error naming it', async (t) => {
  const bad = reportForReplicaSet()
  bad.metadata.name = 'replicaset-broken-nginx'
  // The apiserver's schema (the published CRD's) lets this through; kube-posture cannot name the image.
  delete bad.report.artifact.repository
  await ok(apply(cluster, bad))
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', '--kubeconfig', cluster.kubeconfig, '-n', 'shop', '-o', 'json'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }))
  })
  const doc = JSON.parse(run.stdout) as { problems: { code: string; message: string }[] }
  t.match(doc.problems.map((p) => `${p.code} ${p.message}`).join('\n'), /KP_ERR_INPUT_PARSE VulnerabilityReport shop\/replicaset-broken-nginx: \/report\/artifact must have required property 'repository'/, 'the malformed report is an error of the saved scan, named')
  t.equal(run.code, 2, 'audit exits 2: an input was not examined')
})

t.test('admission with the webhook\'s cache: the known vulnerable image is denied when configured to deny, a clean one admitted, an unknown one warned', async (t) => {
  // Trivy Operator rescans: the critical is back in the ReplicaSet's report; a clean image has its own report.
  await ok(apply(cluster, reportForReplicaSet()))
  await ok(apply(cluster, fixture('statefulset-cache-redis-clean.yaml')))
  await createNamespace(cluster, RELEASE.namespace)
  const render = await renderKubePosture({ config: { vulnerabilities: { webhookCache: { enabled: true, maxImages: 1000 } }, policies: { 'image-vulnerabilities': { action: 'deny' } } } })
  t.ok(render.objects.some((o) => o.kind === 'ClusterRole' && (o['rules'] as { resources: string[] }[]).some((r) => r.resources.includes('vulnerabilityreports')) && o.metadata.name === RELEASE.name), 'the chart grants the webhook read access to VulnerabilityReports')
  const server = await startKubePosture(cluster, { configYaml: render.configYaml })
  t.teardown(() => server.dispose())
  await server.waitForLog((l) => l['msg'] === 'VulnerabilityReport cache listed')
  await registerChartWebhooks(cluster, render, server.url, server.ca.cert)
  const workload = (name: string, image: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{ name: 'c', image, resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } }, securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } }],
        },
      },
    },
  })
  // The cache follows the watch: the re-applied critical arrives a moment after the listing.
  const denied = await waitForWebhook(cluster, { manifest: workload('web-again', 'nginx:1.25.3'), namespace: 'shop', webhookName: DENY_WEBHOOK, timeoutMs: 60_000 })
  t.match(denied.stderr, /\[image-vulnerabilities\]/)
  t.match(denied.stderr, /CVE-2024-6387 in openssh-client 1:9\.2p1-2\+deb12u2, fixed in 1:9\.2p1-2\+deb12u3/)
  const real = await apply(cluster, workload('web-again', 'nginx:1.25.3'), { namespace: 'shop' })
  t.equal(real.code, 1, 'the Deployment of the known vulnerable image is not stored')

  const clean = await apply(cluster, workload('cache-again', `ghcr.io/acme/redis@sha256:${'1'.repeat(64)}`), { namespace: 'shop' })
  t.equal(clean.code, 0, `the clean image is admitted: ${clean.stderr}`)
  t.notMatch(clean.stderr, /image-vulnerabilit/, 'with no vulnerability warning: it has a clean report')

  const unknown = await apply(cluster, workload('new-image', 'registry.example/new:1.0'), { namespace: 'shop' })
  t.equal(unknown.code, 0, 'an image never seen is not denied')
  t.match(unknown.stderr, /image-vulnerability-report-missing/, 'but warned as not scanned, never silently allowed')
})
