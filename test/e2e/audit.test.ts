// `kube-posture audit` against a real kube-apiserver with a real kube-controller-manager: Deployments
// create ReplicaSets and Pods, so owner roll-up is tested on objects the controllers really made; a
// restricted user meets real RBAC 403s; --what-if previews a namespace label change.
import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { apply, createNamespace, startCluster } from './harness/cluster.js'
import { REPO_ROOT } from './harness/kube-posture.js'

const cluster = await startCluster({ controllerManager: true })
t.teardown(() => cluster.stop())

interface Run { code: number; stdout: string; stderr: string }
function audit(args: string[], kubeconfig = cluster.kubeconfig): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', '--kubeconfig', kubeconfig, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

const deployment = (ns: string, name: string, securityContext: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0', securityContext }] } },
  },
})

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms\n${cluster.logs(20)}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

type Report = { problems: { code: string; message: string }[]; objects: { kind: string; namespace?: string; name: string; uid: string; allowed: boolean; findings: { policyId: string }[] }[] }

await createNamespace(cluster, 'shop')
await createNamespace(cluster, 'team-a')
for (const m of [
  deployment('shop', 'web', { privileged: true }),
  deployment('team-a', 'api', { allowPrivilegeEscalation: true }),
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'e2e-everything' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
]) {
  const r = await apply(cluster, m)
  if (r.code !== 0) throw new Error(r.stderr)
}
await waitFor('controllers made 4 pods', async () => {
  const r = await cluster.kubectl(['get', 'pods', '-A', '-o', 'name'])
  return r.stdout.trim().split('\n').filter((l) => l !== '').length === 4
})

t.test('audit judges the Deployments; the ReplicaSets and Pods the controllers made roll up into them', async (t) => {
  const r = await audit(['-o', 'json'])
  t.equal(r.code, 1, `a privileged Deployment would be denied: exit 1 ${r.stderr}`)
  const report = JSON.parse(r.stdout) as Report
  t.same(report.problems, [])
  const mine = report.objects.filter((o) => o.namespace === 'shop' || o.namespace === 'team-a')
  t.same(mine.map((o) => `${o.kind} ${o.namespace}/${o.name}`).sort(), ['Deployment shop/web', 'Deployment team-a/api'], 'no ReplicaSet or Pod reported on its own')
  const web = mine.find((o) => o.name === 'web')!
  t.equal(web.allowed, false)
  t.ok(web.findings.some((f) => f.policyId === 'pss-privileged'))
  const uid = (await cluster.kubectl(['get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.metadata.uid}'])).stdout
  t.equal(web.uid, uid, 'identified by the uid the cluster gave it')
  t.equal(report.objects.find((o) => o.name === 'e2e-everything')?.allowed, false, 'wildcard ClusterRole denied')

  const table = await audit([])
  t.match(table.stdout, /cluster e2e: \d+ object\(s\) listed \(.*\); \d+ judged through their owner's pod template \(ReplicaSet 2, Pod 4\)/)
})

t.test('audit --what-if namespace=team-a,enforce=restricted previews the label before anyone sets it', async (t) => {
  const r = await audit(['--what-if', 'namespace=team-a,enforce=restricted', '-o', 'json'])
  t.equal(r.code, 1, r.stderr)
  const out = JSON.parse(r.stdout) as { wouldDeny: { kind: string; namespace?: string; name: string; new: boolean; policies: string[] }[] }
  const api = out.wouldDeny.find((w) => w.name === 'api')
  t.equal(api?.new, true, 'team-a/api is not denied today, would be under restricted')
  t.ok(api?.policies.includes('pss-allow-privilege-escalation'))
  t.equal(out.wouldDeny.find((w) => w.name === 'web')?.new, false, 'shop/web is denied today already')
  // Setting the label for real makes the current audit agree with the preview.
  t.equal((await cluster.kubectl(['label', 'namespace', 'team-a', 'kube-posture.io/enforce=restricted'])).code, 0)
  const after = JSON.parse((await audit(['-o', 'json'])).stdout) as Report
  t.equal(after.objects.find((o) => o.name === 'api')?.allowed, false, 'with the label set, the audit denies what the preview said')
})

t.test('a user who may list only some kinds gets exit 2 and the kinds that were not examined', async (t) => {
  // A real service account token bound to a role that lists pods and deployments in shop, nothing else.
  for (const args of [
    ['create', 'serviceaccount', 'viewer', '-n', 'shop'],
    ['create', 'role', 'viewer', '-n', 'shop', '--verb=get,list', '--resource=pods,deployments.apps,namespaces'],
    ['create', 'rolebinding', 'viewer', '-n', 'shop', '--role=viewer', '--serviceaccount=shop:viewer'],
  ]) t.equal((await cluster.kubectl(args)).code, 0)
  const token = (await cluster.kubectl(['create', 'token', 'viewer', '-n', 'shop'])).stdout.trim()
  t.ok(token.length > 20, 'a token was issued')
  const kubeconfig = join(cluster.workDir, 'viewer.kubeconfig')
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server: cluster.server, 'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64') } }],
    users: [{ name: 'viewer', user: { token } }],
    contexts: [{ name: 'viewer', context: { cluster: 'e2e', user: 'viewer' } }],
    'current-context': 'viewer',
  }))
  const r = await audit(['-n', 'shop', '-o', 'json'], kubeconfig)
  t.equal(r.code, 2, 'not everything could be examined')
  const report = JSON.parse(r.stdout) as Report
  t.ok(report.problems.some((p) => p.code === 'KP_ERR_CLUSTER_LIST' && /cannot list replicasets\.apps in namespace shop: forbidden/.test(p.message)), 'the forbidden kind is named')
  t.ok(report.objects.some((o) => o.name === 'web'), 'what could be listed was judged')
})

t.test('audit -o openreports | kubectl apply: the chart CRDs accept the reports; a deleted Deployment takes its report and pods with it', async (t) => {
  const crds = join(REPO_ROOT, 'charts', 'kube-posture', 'crds')
  t.equal((await cluster.kubectl(['apply', '-f', crds])).code, 0, 'the chart installs the OpenReports CRDs')
  await waitFor('CRDs established', async () => (await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=5s', 'crd/reports.openreports.io', 'crd/clusterreports.openreports.io'])).code === 0)
  const out = await audit(['-o', 'openreports'])
  t.equal(out.code, 1, out.stderr)
  const applied = await cluster.kubectl(['apply', '-f', '-'], { stdin: out.stdout })
  t.equal(applied.code, 0, `the apiserver accepts every report object: ${applied.stderr}`)
  const uid = (await cluster.kubectl(['get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.metadata.uid}'])).stdout
  const stored = await cluster.kubectl(['get', 'reports.openreports.io', `kube-posture-${uid}`, '-n', 'shop', '-o', 'json'])
  t.equal(stored.code, 0, stored.stderr)
  const body = JSON.parse(stored.stdout) as { summary?: { fail?: number }; results?: { policy: string; result: string }[] }
  t.ok(body.results?.some((x) => x.policy === 'pss-privileged' && x.result === 'fail'), 'the stored report carries the finding')
  t.ok((body.summary?.fail ?? 0) > 0)
  t.equal((await cluster.kubectl(['get', 'clusterreports.openreports.io', '-o', 'name'])).stdout.includes('kube-posture-'), true, 'cluster-scoped objects get ClusterReports')

  t.equal((await cluster.kubectl(['delete', 'deployment', 'web', '-n', 'shop', '--wait=false'])).code, 0)
  await waitFor('garbage collector removed the report', async () => (await cluster.kubectl(['get', 'reports.openreports.io', '-n', 'shop', '-o', 'name'])).stdout.trim() === '')
  await waitFor('garbage collector removed the pods', async () => (await cluster.kubectl(['get', 'pods', '-n', 'shop', '-o', 'name'])).stdout.trim() === '')
  const report = JSON.parse((await audit(['-n', 'shop', '-o', 'json'])).stdout) as Report
  t.same(report.objects.filter((o) => o.namespace === 'shop' && ['Deployment', 'ReplicaSet', 'Pod'].includes(o.kind)).map((o) => o.name), [], 'no workload left in shop')
  t.same(report.problems, [], 'everything listed')
})
