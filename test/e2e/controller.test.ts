// `kube-posture controller` against a real kube-apiserver with a real kube-controller-manager: the
// OpenReports CRDs from the chart are installed, two controller processes elect a leader through a
// real Lease, and the reports they write are read back with kubectl. Deployments really create
// ReplicaSets and Pods (reported once, on the Deployment), a change rewrites a report, a deletion
// removes it, and when the leader is killed the other replica takes over and writes.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { apply, createNamespace, startCluster } from './harness/cluster.js'
import { REPO_ROOT } from './harness/kube-posture.js'

const cluster = await startCluster({ controllerManager: true })
t.teardown(() => cluster.stop())

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms\n${cluster.logs(20)}\n${replicas.map((r) => `--- ${r.identity}\n${r.log.slice(-15).join('\n')}`).join('\n')}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

const ok = async (p: Promise<{ code: number; stderr: string; stdout: string }>) => {
  const r = await p
  if (r.code !== 0) throw new Error(r.stderr)
  return r.stdout
}

interface Replica { identity: string; child: ChildProcess; log: string[]; ops?: string }
const replicas: Replica[] = []

function startReplica(identity: string): Replica {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller', '--kubeconfig', cluster.kubeconfig, '--lease-namespace', 'kube-posture', '--identity', identity, '--ops-port', '0', '--host', '127.0.0.1', '--write-rate', '50'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const r: Replica = { identity, child, log: [] }
  let buf = ''
  const onData = (d: Buffer) => {
    buf += d.toString()
    let nl: number
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (r.log.length < 2000) r.log.push(line)
      const m = /"ops":"(http:\/\/[^"]+)"/.exec(line)
      if (m) r.ops = m[1]
    }
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  replicas.push(r)
  return r
}
t.teardown(() => { for (const r of replicas) r.child.kill('SIGKILL') })

async function metric(r: Replica, name: string): Promise<number> {
  const text = await (await fetch(`${r.ops}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) if (line.startsWith(name) && !line.startsWith('#')) sum += Number(line.split(' ').pop())
  return sum
}

type Report = { metadata: { name: string; namespace?: string; ownerReferences: { uid: string; kind: string }[] }; scope: { kind: string; name: string; namespace?: string; uid: string }; results?: { policy: string; result: string; properties?: Record<string, string> }[]; summary: Record<string, number> }
async function reports(): Promise<Report[]> {
  const list = JSON.parse(await ok(cluster.kubectl(['get', 'reports.openreports.io', '-A', '-o', 'json']))) as { items: Report[] }
  const clusterScoped = JSON.parse(await ok(cluster.kubectl(['get', 'clusterreports.openreports.io', '-o', 'json']))) as { items: Report[] }
  return [...list.items, ...clusterScoped.items]
}
const about = (all: Report[], kind: string, name: string, namespace?: string) => all.find((r) => r.scope.kind === kind && r.scope.name === name && r.scope.namespace === namespace)

const deployment = (ns: string, name: string, securityContext: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0', securityContext }] } } },
})

await ok(cluster.kubectl(['apply', '-f', join(REPO_ROOT, 'charts', 'kube-posture', 'crds')]))
for (const ns of ['kube-posture', 'shop', 'team']) await createNamespace(cluster, ns)
for (const m of [
  deployment('shop', 'web', { privileged: true }),
  deployment('team', 'api', { allowPrivilegeEscalation: false }),
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot', namespace: 'team' } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'bot-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'team' }] },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'team' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
]) await ok(apply(cluster, m))
await waitFor('controllers made 4 pods', async () => (await cluster.kubectl(['get', 'pods', '-A', '-o', 'name'])).stdout.trim().split('\n').filter((l) => l !== '').length === 4)

const a = startReplica('replica-a')
const b = startReplica('replica-b')
const holder = async () => (await cluster.kubectl(['get', 'lease', 'kube-posture-controller', '-n', 'kube-posture', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout

t.test('one replica leads; reports appear for what is wrong, once per workload', async (t) => {
  await waitFor('a leader', async () => ['replica-a', 'replica-b'].includes(await holder()))
  await waitFor('the web report', async () => about(await reports(), 'Deployment', 'web', 'shop') !== undefined)
  const all = await reports()
  const web = about(all, 'Deployment', 'web', 'shop')!
  const uid = await ok(cluster.kubectl(['get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.metadata.uid}']))
  t.equal(web.scope.uid, uid)
  t.equal(web.metadata.name, `kube-posture-${uid}`, 'named after the uid')
  t.same(web.metadata.ownerReferences.map((o) => `${o.kind} ${o.uid}`), [`Deployment ${uid}`], 'owned by the Deployment')
  t.ok(web.results?.some((r) => r.policy === 'pss-privileged' && r.result === 'fail'), 'the privileged container is a fail result')
  t.same(all.filter((r) => ['Pod', 'ReplicaSet'].includes(r.scope.kind)).map((r) => `${r.scope.kind} ${r.scope.name}`), [], 'no report for the ReplicaSets and Pods the controllers made')
  await waitFor('the cluster-admin finding', async () => (await reports()).some((r) => r.results?.some((x) => x.policy === 'rbac-cluster-admin-equivalent')))
  t.pass('a context-aware finding (a service account bound to cluster-admin) is reported')
  t.equal(about(all, 'Namespace', 'team'), undefined, 'team has a NetworkPolicy: no namespace finding')
  await waitFor('the namespace finding for shop', async () => about(await reports(), 'Namespace', 'shop')?.results?.some((r) => r.policy === 'netpol-namespace-without-policy') === true)
  t.pass('shop, with workloads and no NetworkPolicy, is reported')

  const lead = await holder()
  const [leading, following] = lead === 'replica-a' ? [a, b] : [b, a]
  await waitFor('ops urls', async () => leading.ops !== undefined && following.ops !== undefined)
  t.equal(await metric(leading, 'kube_posture_leader'), 1)
  t.equal(await metric(following, 'kube_posture_leader'), 0)
  t.ok((await metric(leading, 'kube_posture_report_writes_total')) > 0, 'the leader wrote')
  t.equal(await metric(following, 'kube_posture_report_writes_total'), 0, 'the follower wrote nothing')
  t.ok((await metric(following, 'kube_posture_objects_watched')) > 0, 'the follower keeps its state warm')
  const ready = await fetch(`${following.ops}/readyz`)
  t.equal(ready.status, 200, 'both replicas are ready')
})

t.test('a change rewrites the report; a deletion removes it', async (t) => {
  await ok(apply(cluster, deployment('shop', 'web', { allowPrivilegeEscalation: false })))
  await waitFor('pss-privileged gone from the web report', async () => {
    const web = about(await reports(), 'Deployment', 'web', 'shop')
    return web === undefined || !web.results?.some((r) => r.policy === 'pss-privileged')
  })
  t.pass('the fixed template is judged again')
  await ok(apply(cluster, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loose', namespace: 'shop' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'registry.example/app:1.0' }] } }))
  await waitFor('the loose pod report', async () => about(await reports(), 'Pod', 'loose', 'shop') !== undefined)
  await ok(cluster.kubectl(['delete', 'pod', 'loose', '-n', 'shop', '--grace-period=0', '--force', '--wait=false']))
  await waitFor('the loose pod report deleted', async () => about(await reports(), 'Pod', 'loose', 'shop') === undefined)
  t.pass('a standalone pod is reported itself, and its report goes with it')
})

t.test('the leader is killed: the other replica takes the lease and writes', async (t) => {
  const lead = await holder()
  const [leading, following] = lead === 'replica-a' ? [a, b] : [b, a]
  leading.child.kill('SIGKILL')
  await waitFor('the other replica holds the lease', async () => (await holder()) === following.identity, 60_000)
  await waitFor('it says it leads', async () => (await metric(following, 'kube_posture_leader')) === 1)
  await ok(apply(cluster, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'after', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'registry.example/app:1.0', securityContext: { privileged: true } }] } }))
  await waitFor('a report for an object made after the takeover', async () => about(await reports(), 'Pod', 'after', 'shop') !== undefined)
  t.ok((await metric(following, 'kube_posture_report_writes_total')) > 0, 'written by the new leader')
})

t.test('audit, one-shot, against the same cluster: exit 1 for what would be denied', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', '--kubeconfig', cluster.kubeconfig, '-o', 'json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)))
  t.equal(code, 1)
  const report = JSON.parse(out) as { objects: { kind: string; name: string; findings: { policyId: string }[] }[] }
  t.ok(report.objects.some((o) => o.kind === 'Pod' && o.name === 'after' && o.findings.some((f) => f.policyId === 'pss-privileged')), 'the same finding as the controller reported')
})
