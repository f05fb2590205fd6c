// Smoke test of the e2e harness: a real kube-apiserver calls a stub webhook
// that denies pods named bad-*.
import t from 'tap'
import { apply, startCluster } from './harness/cluster.js'
import { POD_RULES, registerWebhook, startStubWebhook, waitForWebhook } from './harness/webhook.js'

const NS = 'smoke'
const WEBHOOK = 'deny-bad.e2e.kube-posture.dev'
const DENY_MESSAGE = 'pod names starting with bad- are not allowed (metadata.name)'

const pod = (name: string): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS },
  spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0' }] },
})

const cluster = await startCluster()
t.teardown(() => cluster.stop())

const stub = await startStubWebhook((req) =>
  req.object?.metadata?.name?.startsWith('bad-')
    ? { allowed: false, message: DENY_MESSAGE }
    : { allowed: true },
)
t.teardown(() => stub.close())

t.test('kubectl talks to the v1.37.2 apiserver', async (t) => {
  const r = await cluster.kubectl(['version', '-o', 'json'])
  t.equal(r.code, 0, r.stderr)
  const v = JSON.parse(r.stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } }
  t.equal(v.serverVersion.gitVersion, 'v1.37.2')
  t.equal(v.clientVersion.gitVersion, 'v1.37.2')
})

t.test('creates the namespace', async (t) => {
  const r = await cluster.kubectl(['create', 'namespace', NS])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, `namespace/${NS} created`)
})

t.test('a pod is admitted before the webhook exists', async (t) => {
  const r = await apply(cluster, pod('bad-before'), { dryRun: true })
  t.equal(r.code, 0, r.stderr)
  t.equal(stub.requests.length, 0, 'stub not called yet')
})

t.test('registers the webhook and waits until the apiserver calls it', async (t) => {
  await registerWebhook(cluster, {
    name: WEBHOOK,
    url: stub.url,
    caBundlePem: stub.caBundlePem,
    rules: POD_RULES,
    failurePolicy: 'Fail',
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } },
  })
  const r = await waitForWebhook(cluster, { manifest: pod('bad-probe'), webhookName: WEBHOOK })
  t.equal(r.code, 1)
  t.ok(stub.requests.some((q) => q.name === 'bad-probe' && q.dryRun === true), 'stub saw the dry-run probe')
})

t.test('bad-x is denied with the webhook message', async (t) => {
  for (const dryRun of [true, false]) {
    const r = await apply(cluster, pod('bad-x'), { dryRun })
    t.equal(r.code, 1, `exit code (dryRun=${dryRun})`)
    t.match(r.stderr, 'denied the request')
    t.match(r.stderr, `admission webhook "${WEBHOOK}" denied the request: ${DENY_MESSAGE}`)
  }
  const get = await cluster.kubectl(['get', 'pod', 'bad-x', '-n', NS])
  t.not(get.code, 0, 'bad-x was not stored')
  t.match(get.stderr, 'NotFound')
})

t.test('good-x is admitted and stored', async (t) => {
  const dry = await apply(cluster, pod('good-x'), { dryRun: true })
  t.equal(dry.code, 0, dry.stderr)
  t.match(dry.stdout, 'pod/good-x created (server dry run)')

  const r = await apply(cluster, pod('good-x'))
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, 'pod/good-x created')
  const get = await cluster.kubectl(['get', 'pod', 'good-x', '-n', NS, '-o', 'jsonpath={.metadata.name}'])
  t.equal(get.code, 0, get.stderr)
  t.equal(get.stdout, 'good-x')
  t.ok(
    stub.requests.some((q) => q.name === 'good-x' && q.operation === 'CREATE' && !q.dryRun),
    'stub saw the real create',
  )
})

t.test('namespaces outside the selector are not sent to the webhook', async (t) => {
  const before = stub.requests.length
  const r = await apply(cluster, { ...pod('bad-elsewhere'), metadata: { name: 'bad-elsewhere', namespace: 'default' } }, { dryRun: true })
  t.equal(r.code, 0, r.stderr)
  t.equal(stub.requests.length, before)
})
