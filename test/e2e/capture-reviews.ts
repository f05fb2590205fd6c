// Captures real AdmissionReview requests from the e2e kube-apiserver into
// test/fixtures/reviews/captured/. Run by hand (not a test, not part of the e2e suite):
//
//   E2E_BIN_DIR=/path/to/.bin npx tsx test/e2e/capture-reviews.ts [--out DIR]
//
// It starts etcd + kube-apiserver with the e2e harness, runs a tiny HTTPS recording webhook that
// answers `allowed: true` to everything and keeps each request body, registers it for every
// operation on the resources kube-posture judges (one webhook with admissionReviewVersions v1, a
// second one with v1beta1 for deployments only, on another URL path), drives kubectl through the
// cases below and writes one file per case. See docs/e2e.md and the README in the output folder.
//
// Every object name and value is chosen here: the Secret's data is an obviously fake value, the
// apiserver's bearer token is checked to appear in no capture. Nothing is scrubbed from the
// reviews; uids, timestamps and resourceVersions differ from run to run.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { apply, createNamespace, runKubectl, startCluster, type Cluster, type KubectlResult } from './harness/cluster.js'
import { certificateAuthority, clientCertificate } from './harness/kube-posture.js'
import { startStubWebhook, waitForWebhook, webhookConfiguration, type ReceivedReview, type RuleWithOperations } from './harness/webhook.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const outArg = process.argv.indexOf('--out')
const OUT = resolve(outArg > 0 && process.argv[outArg + 1] ? process.argv[outArg + 1]! : join(HERE, '..', 'fixtures', 'reviews', 'captured'))

const NS = 'team-a'
const WEBHOOK = 'record.capture.kube-posture.dev'
const WEBHOOK_V1BETA1 = 'record-v1beta1.capture.kube-posture.dev'
const NODE_USER = 'system:node:worker-1'
/**
 * The requests are made as a developer with an x509 client certificate (not as the harness's
 * system:masters token user), so userInfo is what a real user's looks like: a name, groups and the
 * certificate's credential id in `extra`.
 */
const USER = { name: 'alice@example.com', group: 'developers' }
/** Fake, and recognisably so: the only "secret" material in the captures. */
const FAKE_SECRET = { password: 'not-a-real-password', token: 'fake-token-for-tests' }

type Obj = Record<string, unknown>

/** The cluster's kubeconfig with the token user replaced by USER's client certificate. */
function userKubeconfig(cluster: Cluster, pair: { cert: string; key: string }): string {
  const cfg = JSON.parse(readFileSync(cluster.kubeconfig, 'utf8')) as { users: Array<{ name: string; user: Obj }>; contexts: Array<{ context: Obj }> }
  cfg.users = [{ name: USER.name, user: { 'client-certificate-data': Buffer.from(pair.cert).toString('base64'), 'client-key-data': Buffer.from(pair.key).toString('base64') } }]
  for (const c of cfg.contexts) c.context['user'] = USER.name
  const file = join(cluster.workDir, 'kubeconfig-user')
  writeFileSync(file, JSON.stringify(cfg), { mode: 0o600 })
  return file
}

type Recorded = ReceivedReview

const ALL_OPS: RuleWithOperations['operations'] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT']

const RULES: RuleWithOperations[] = [
  { operations: ALL_OPS, apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'pods/ephemeralcontainers', 'pods/exec', 'pods/status', 'secrets'], scope: '*' },
  { operations: ALL_OPS, apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], scope: '*' },
  { operations: ALL_OPS, apiGroups: ['batch'], apiVersions: ['v1'], resources: ['cronjobs'], scope: '*' },
  { operations: ALL_OPS, apiGroups: ['rbac.authorization.k8s.io'], apiVersions: ['v1'], resources: ['roles', 'clusterroles', 'rolebindings'], scope: '*' },
  { operations: ALL_OPS, apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], resources: ['networkpolicies'], scope: '*' },
]

/** One configuration, two webhooks: v1 for everything, v1beta1 (another URL path) for deployments. */
function configuration(url: string, ca: string): Obj {
  const base = webhookConfiguration({ name: WEBHOOK, url: `${url}/v1`, caBundlePem: ca, rules: RULES, failurePolicy: 'Fail' })
  const [v1] = base['webhooks'] as Obj[]
  const v1beta1: Obj = {
    ...v1,
    name: WEBHOOK_V1BETA1,
    clientConfig: { url: `${url}/v1beta1`, caBundle: Buffer.from(ca).toString('base64') },
    rules: [RULES[1]],
    admissionReviewVersions: ['v1beta1'],
  }
  return { ...base, webhooks: [v1, v1beta1] }
}

// ---------------------------------------------------------------------------
// Objects (the hand-written fixtures' objects, so the tests keep their meaning)

const IMAGE = 'registry.example.com/app:1.4.2'
const resources = { limits: { cpu: '500m', memory: '256Mi' } }
const compliantSC = { allowPrivilegeEscalation: false, runAsNonRoot: true }
const privilegedSC = { privileged: true }

function podSpec(sc: Obj, restartPolicy = 'Always'): Obj {
  return {
    containers: [{ name: 'app', image: IMAGE, resources, securityContext: sc }],
    serviceAccountName: 'default',
    restartPolicy,
  }
}

const pod = (name: string, sc: Obj): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: podSpec(sc) })

const deployment = (name: string, sc: Obj): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name } },
  spec: { replicas: 3, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec(sc) } },
})

const cronJob: Obj = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly' },
  spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: { spec: podSpec(privilegedSC, 'OnFailure') } } } },
}

const clusterRole: Obj = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'too-much' },
  rules: [
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] },
  ],
}

const role = (verbs: string[]): Obj => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'reader' },
  rules: [{ apiGroups: [''], resources: ['pods'], verbs }],
})

const roleBinding: Obj = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'reader' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
  subjects: [{ kind: 'Group', name: 'developers', apiGroup: 'rbac.authorization.k8s.io' }],
}

const networkPolicy: Obj = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-all' },
  spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
}

const secret: Obj = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db-credentials' },
  type: 'Opaque',
  data: { password: Buffer.from(FAKE_SECRET.password).toString('base64') },
  // The apiserver folds stringData into data before admission: the review shows it base64-encoded.
  stringData: { token: FAKE_SECRET.token },
}

// ---------------------------------------------------------------------------
// Driving kubectl

interface Match {
  operation: string
  kind: string
  name: string
  subResource?: string
  /** Webhook path, default /v1. */
  path?: string
}

function must(what: string, r: KubectlResult, expectFailure = false): KubectlResult {
  if (expectFailure ? r.code === 0 : r.code !== 0) {
    throw new Error(`${what}: kubectl exited ${r.code}${expectFailure ? ' (expected a failure)' : ''}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  }
  return r
}

class Capture {
  readonly files = new Map<string, Recorded>()
  constructor(
    private readonly cluster: Cluster,
    private readonly recorded: Recorded[],
  ) {}

  /**
   * Runs `action` and keeps the first review it caused that matches. Throws when none did: a case
   * that silently captured nothing would leave a stale file behind.
   */
  async take(file: string, match: Match, action: () => Promise<KubectlResult>, opts: { expectFailure?: boolean } = {}): Promise<KubectlResult> {
    const mark = this.recorded.length
    const r = must(file, await action(), opts.expectFailure)
    // The apiserver calls webhooks before it answers kubectl, so the review is already here.
    const hit = this.recorded.slice(mark).find((x) => {
      const q = x.review.request
      return (
        x.path === (match.path ?? '/v1') &&
        q?.operation === match.operation &&
        q.kind?.kind === match.kind &&
        q.name === match.name &&
        (q.subResource ?? '') === (match.subResource ?? '')
      )
    })
    if (hit === undefined) {
      const seen = this.recorded.slice(mark).map((x) => `${x.path} ${x.review.request?.operation} ${x.review.request?.kind?.kind} ${x.review.request?.name}/${x.review.request?.subResource ?? ''}`)
      throw new Error(`${file}: no matching review (${JSON.stringify(match)}); seen: ${JSON.stringify(seen)}\nkubectl: ${r.stderr}`)
    }
    if (this.files.has(file)) throw new Error(`${file} captured twice`)
    this.files.set(file, hit)
    console.log(`captured ${file}`)
    return r
  }

  apply(file: string, match: Omit<Match, 'operation'> & { operation?: string }, manifest: unknown, dryRun = false): Promise<KubectlResult> {
    return this.take(file, { operation: 'CREATE', ...match }, () => apply(this.cluster, manifest, { namespace: NS, dryRun }))
  }
}

async function main(): Promise<void> {
  const caDir = mkdtempSync(join(tmpdir(), 'kube-posture-capture-'))
  const clientCa = await certificateAuthority('kube-posture capture client CA')
  writeFileSync(join(caDir, 'client-ca.crt'), clientCa.cert)
  const cluster = await startCluster({ extraApiserverFlags: [`--client-ca-file=${join(caDir, 'client-ca.crt')}`] })
  // The recording webhook: the harness's stub, allowing everything and keeping every body as sent.
  const stub = await startStubWebhook(() => ({ allowed: true }))
  const recorder = { url: stub.baseUrl, ca: stub.caBundlePem, recorded: stub.received, close: () => stub.close() }
  try {
    const version = JSON.parse(must('kubectl version', await cluster.kubectl(['version', '-o', 'json'])).stdout) as {
      clientVersion: { gitVersion: string }
      serverVersion: { gitVersion: string }
    }
    await createNamespace(cluster, NS)
    const vwc = configuration(recorder.url, recorder.ca)
    const applied = await apply(cluster, vwc)
    if (applied.code !== 0) throw new Error(`registering the recording webhooks failed: ${applied.stderr}`)
    // The apiserver learns webhook configurations through an informer: wait until both are called.
    const seen = (name: string, path: string) => () => recorder.recorded.some((x) => x.path === path && x.review.request?.name === name)
    await waitForWebhook(cluster, { manifest: pod('capture-probe', compliantSC), namespace: NS, inEffect: seen('capture-probe', '/v1') })
    await waitForWebhook(cluster, { manifest: deployment('capture-probe', compliantSC), namespace: NS, inEffect: seen('capture-probe', '/v1beta1') })

    // The developer may do anything (bound to cluster-admin through the group), impersonation included.
    must(
      'developer binding',
      await apply(cluster, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'capture-developers' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: USER.group }],
      }),
    )
    const kubeconfig = userKubeconfig(cluster, await clientCertificate(clientCa, USER))
    const who = must('auth whoami', await runKubectl(kubeconfig, ['auth', 'whoami', '-o', 'json']))
    if (!who.stdout.includes(USER.name)) throw new Error(`the client certificate is not ${USER.name}: ${who.stdout}`)
    const user: Cluster = { ...cluster, kubeconfig, kubectl: (args, o) => runKubectl(kubeconfig, args, o) }

    const c = new Capture(user, recorder.recorded)
    const k = (args: string[], stdin?: string) => () => user.kubectl(['-n', NS, ...args], stdin !== undefined ? { stdin } : {})

    // --- Pods
    await c.apply('pod-create-compliant.json', { kind: 'Pod', name: 'web' }, pod('web', compliantSC))
    await c.apply('pod-create-privileged.json', { kind: 'Pod', name: 'priv' }, pod('priv', privilegedSC))
    await c.take('pod-update-labels-only.json', { operation: 'UPDATE', kind: 'Pod', name: 'priv' }, k(['label', 'pod', 'priv', 'tier=frontend']))
    // Most of a pod's spec is immutable; the container image is one of the fields an update may change.
    await c.take('pod-update-spec-change.json', { operation: 'UPDATE', kind: 'Pod', name: 'priv' }, k(['set', 'image', 'pod/priv', `app=${IMAGE.replace('1.4.2', '1.4.3')}`]))
    // activeDeadlineSeconds may be set on a running pod; neither Pod Security Admission nor kube-posture
    // judges a pod again for it (only images and containers count).
    await c.take('pod-update-active-deadline.json', { operation: 'UPDATE', kind: 'Pod', name: 'priv' }, k(['patch', 'pod', 'priv', '--type=merge', '-p', '{"spec":{"activeDeadlineSeconds":3600}}']))
    // pods/status with a raw PUT of the stored pod whose status says Running, as a kubelet writes it:
    // as the node's user (impersonated; RBAC's system:node role allows it), so userInfo is a node's.
    must(
      'node binding',
      await apply(cluster, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'capture-node-worker-1' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: NODE_USER }],
      }),
    )
    const stored = JSON.parse(must('get pod', await user.kubectl(['-n', NS, 'get', 'pod', 'priv', '-o', 'json'])).stdout) as Obj
    stored['status'] = { ...(stored['status'] as Obj), phase: 'Running', podIP: '10.0.0.42', podIPs: [{ ip: '10.0.0.42' }] }
    await c.take('pod-status-update.json', { operation: 'UPDATE', kind: 'Pod', name: 'priv', subResource: 'status' }, k(['--as', NODE_USER, '--as-group', 'system:nodes', 'replace', '--raw', `/api/v1/namespaces/${NS}/pods/priv/status`, '-f', '-'], JSON.stringify(stored)))
    // CONNECT: the apiserver admits the exec before it looks for the pod's node; with no node (no
    // kubelet here) the exec itself then fails, which is fine: the review is what we want.
    await c.take('pod-connect-exec.json', { operation: 'CONNECT', kind: 'PodExecOptions', name: 'web', subResource: 'exec' }, k(['exec', '-i', 'web', '-c', 'app', '--', 'sh', '-c', 'id']), { expectFailure: true })
    // pods/ephemeralcontainers: kubectl debug PATCHes the sub-resource; sysadmin means privileged.
    await c.take(
      'pod-ephemeralcontainers-privileged.json',
      { operation: 'UPDATE', kind: 'Pod', name: 'web', subResource: 'ephemeralcontainers' },
      k(['debug', 'web', '--image=busybox:1.36', '--profile=sysadmin', '--container=debugger', '--target=app']),
    )
    await c.take('pod-delete.json', { operation: 'DELETE', kind: 'Pod', name: 'priv' }, k(['delete', 'pod', 'priv', '--wait=false']))

    // --- Workloads
    await c.apply('deployment-create-compliant.json', { kind: 'Deployment', name: 'api' }, deployment('api', compliantSC))
    await c.apply('deployment-create-privileged-dryrun.json', { kind: 'Deployment', name: 'api-privileged' }, deployment('api-privileged', privilegedSC), true)
    await c.apply('deployment-create-v1beta1.json', { kind: 'Deployment', name: 'api-v1beta1', path: '/v1beta1' }, deployment('api-v1beta1', privilegedSC))
    await c.apply('cronjob-create-privileged.json', { kind: 'CronJob', name: 'nightly' }, cronJob)

    // --- RBAC
    await c.apply('clusterrole-create-wildcard.json', { kind: 'ClusterRole', name: 'too-much' }, clusterRole)
    await c.take('clusterrole-delete.json', { operation: 'DELETE', kind: 'ClusterRole', name: 'too-much' }, () => user.kubectl(['delete', 'clusterrole', 'too-much', '--wait=false']))
    must('role create', await apply(user, role(['get']), { namespace: NS }))
    await c.apply('role-update-wildcard.json', { kind: 'Role', name: 'reader', operation: 'UPDATE' }, role(['*']))
    await c.apply('rolebinding-create.json', { kind: 'RoleBinding', name: 'reader' }, roleBinding)

    // --- NetworkPolicy and Secret
    await c.apply('networkpolicy-create-allow-all.json', { kind: 'NetworkPolicy', name: 'allow-all' }, networkPolicy)
    await c.take('networkpolicy-delete.json', { operation: 'DELETE', kind: 'NetworkPolicy', name: 'allow-all' }, k(['delete', 'networkpolicy', 'allow-all', '--wait=false']))
    await c.apply('secret-create.json', { kind: 'Secret', name: 'db-credentials' }, secret)

    // --- Write
    mkdirSync(OUT, { recursive: true })
    for (const f of readdirSync(OUT)) if (f.endsWith('.json')) rmSync(join(OUT, f))
    for (const [file, rec] of c.files) {
      // Belt and braces: no credential of this run may end up in a fixture.
      if (rec.body.includes(cluster.token) || rec.body.includes('PRIVATE KEY')) throw new Error(`${file} contains a credential`)
      writeFileSync(join(OUT, file), `${JSON.stringify(JSON.parse(rec.body), null, 2)}\n`)
    }
    writeFileSync(
      join(OUT, 'VERSION'),
      `kube-apiserver ${version.serverVersion.gitVersion}\nkubectl ${version.clientVersion.gitVersion}\ncaptured ${new Date().toISOString().slice(0, 10)}\nfiles ${c.files.size}\n`,
    )
    console.log(`wrote ${c.files.size} reviews to ${OUT} (server ${version.serverVersion.gitVersion})`)
  } catch (e) {
    console.error(cluster.logs(30))
    throw e
  } finally {
    await recorder.close()
    await cluster.stop()
    rmSync(caDir, { recursive: true, force: true })
  }
}

await main()
