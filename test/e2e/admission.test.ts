// kube-posture's real webhook (`kube-posture serve` as a child process) behind a real kube-apiserver,
// configured and registered exactly as the Helm chart renders it with default values (profile
// recommended, mode enforce): the server reads the chart's config.yaml, the apiserver gets the chart's
// two webhooks (deny.kube-posture.io, Fail; warn.kube-posture.io, Ignore) pointed at 127.0.0.1.
//
// Scenarios: deny with field paths (Pod and Deployment template), warnings, server-side dry run,
// namespace label overrides learnt without a restart, RBAC and NetworkPolicy, a configuration reload
// that turns a warn policy into a deny policy.
import t from 'tap'
import { writeFileSync, renameSync } from 'node:fs'
import { apply, createNamespace, startCluster, type KubectlResult } from './harness/cluster.js'
import { waitForWebhook } from './harness/webhook.js'
import {
  DENY_WEBHOOK,
  RELEASE,
  WARN_WEBHOOK,
  registerChartWebhooks,
  renderKubePosture,
  startKubePosture,
} from './harness/kube-posture.js'
import {
  PRIVILEGED_POD_PATH,
  PRIVILEGED_TEMPLATE_PATH,
  deployment,
  pod,
  podSpecWith,
  privilegedSpec,
  type Obj,
} from './fixtures.js'

const NS = 'e2e-enforce'
const deniedBy = (webhook: string): string => `admission webhook "${webhook}" denied the request`
const warnings = (r: KubectlResult): string[] =>
  r.stderr.split('\n').filter((l) => l.startsWith('Warning: '))

const cluster = await startCluster()
t.teardown(() => cluster.stop())

const render = await renderKubePosture({})
await createNamespace(cluster, RELEASE.namespace)
await createNamespace(cluster, NS)
const server = await startKubePosture(cluster, { configYaml: render.configYaml })
t.teardown(() => server.dispose())
t.teardown(() => {
  // On failure, the last server and apiserver log lines explain more than a timeout does.
  if (t.passing()) return
  t.comment(server.logText().split('\n').slice(-40).join('\n'))
  t.comment(cluster.logs(20))
})
await registerChartWebhooks(cluster, render, server.url, server.ca.cert)
await waitForWebhook(cluster, { manifest: pod('probe', privilegedSpec()), namespace: NS, webhookName: DENY_WEBHOOK })

/** Review log lines of the server for one object name. */
const reviewsOf = (name: string): Array<Record<string, unknown>> =>
  server.logLines().filter((l) => l['name'] === name && typeof l['msg'] === 'string' && String(l['msg']).startsWith('admission review'))

async function stored(kind: string, name: string, ns = NS): Promise<boolean> {
  const r = await cluster.kubectl(['get', kind, name, '-n', ns, '-o', 'name'])
  if (r.code === 0) return true
  if (!r.stderr.includes('NotFound')) throw new Error(`kubectl get ${kind}/${name}: ${r.stderr}`)
  return false
}

t.test('a privileged Pod and a Deployment with a privileged template are denied with the field path', async (t) => {
  const p = await apply(cluster, pod('priv-pod', privilegedSpec()), { namespace: NS })
  t.equal(p.code, 1, 'kubectl exits 1')
  t.match(p.stderr, deniedBy(DENY_WEBHOOK))
  t.match(p.stderr, `[pss-privileged]`)
  t.match(p.stderr, PRIVILEGED_POD_PATH)
  t.notOk(await stored('pod', 'priv-pod'), 'the pod was not stored')

  const d = await apply(cluster, deployment('priv-deploy', privilegedSpec()), { namespace: NS })
  t.equal(d.code, 1, 'kubectl exits 1')
  t.match(d.stderr, deniedBy(DENY_WEBHOOK))
  t.match(d.stderr, PRIVILEGED_TEMPLATE_PATH)
  t.notOk(await stored('deployment', 'priv-deploy'), 'the deployment was not stored')

  // The server's log line names the policy and path, never object contents.
  const line = (await server.waitForLog((l) => l['name'] === 'priv-deploy' && l['decision'] === 'denied'))
  t.same(line['denied'], [`pss-privileged@${PRIVILEGED_TEMPLATE_PATH}`])
  t.equal(line['kind'], 'Deployment.apps')
  t.notMatch(JSON.stringify(line), 'registry.k8s.io', 'no image (object content) in the log line')
})

t.test('a compliant Pod and Deployment are created, without warnings', async (t) => {
  const p = await apply(cluster, pod('good-pod'), { namespace: NS })
  t.equal(p.code, 0, p.stderr)
  t.match(p.stdout, 'pod/good-pod created')
  t.same(warnings(p), [], 'no warnings for a compliant pod')
  t.ok(await stored('pod', 'good-pod'), 'kubectl get finds the pod')

  const d = await apply(cluster, deployment('good-deploy'), { namespace: NS })
  t.equal(d.code, 0, d.stderr)
  t.match(d.stdout, 'deployment.apps/good-deploy created')
  t.same(warnings(d), [], 'no warnings for a compliant deployment')
  t.ok(await stored('deployment', 'good-deploy'), 'kubectl get finds the deployment')

  // The apiserver really asked the webhook (not admitted by an unmatched rule).
  const line = await server.waitForLog((l) => l['name'] === 'good-deploy' && l['operation'] === 'CREATE')
  t.equal(line['decision'], 'allowed')
})

t.test('a warn-level finding is admitted and shown as a kubectl warning', async (t) => {
  const latest = podSpecWith((c) => {
    c['image'] = 'registry.k8s.io/pause:latest'
    c['imagePullPolicy'] = 'Always'
  })
  const r = await apply(cluster, pod('latest-pod', latest), { namespace: NS })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, 'pod/latest-pod created')
  const w = warnings(r)
  // Warnings are kept short (the apiserver truncates long ones): the path is dropped when the text
  // would pass 120 characters; the log line below carries it.
  t.ok(
    w.some((l) => l.startsWith('Warning: [disallow-latest-tag] container "app": image uses the :latest tag')),
    `a disallow-latest-tag warning: ${JSON.stringify(w)}`,
  )
  t.ok(await stored('pod', 'latest-pod'))
  const line = await server.waitForLog((l) => l['name'] === 'latest-pod')
  t.equal(line['decision'], 'allowed')
  t.ok((line['warned'] as string[]).includes('disallow-latest-tag@spec.containers[0].image'))
})

t.test('a privileged ephemeral container (kubectl debug --profile=sysadmin) is denied; a restricted one is not', async (t) => {
  // pods/ephemeralcontainers is a sub-resource UPDATE: the chart registers it, the server judges the new container.
  const r = await cluster.kubectl(['debug', 'good-pod', '-n', NS, '--image=registry.k8s.io/pause:3.10', '--profile=sysadmin', '--container=dbg'])
  t.equal(r.code, 1, r.stdout)
  t.match(r.stderr, deniedBy(DENY_WEBHOOK))
  t.match(r.stderr, 'spec.ephemeralContainers[0].securityContext.privileged')
  const line = await server.waitForLog((l) => l['name'] === 'good-pod' && l['subResource'] === 'ephemeralcontainers')
  t.equal(line['decision'], 'denied')
  const get = await cluster.kubectl(['get', 'pod', 'good-pod', '-n', NS, '-o', 'jsonpath={.spec.ephemeralContainers}'])
  t.equal(get.stdout, '', 'no ephemeral container was added')

  const ok = await cluster.kubectl(['debug', 'good-pod', '-n', NS, '--image=registry.k8s.io/pause:3.10', '--profile=restricted', '--container=dbg-restricted'])
  t.equal(ok.code, 0, ok.stderr)
  const after = await cluster.kubectl(['get', 'pod', 'good-pod', '-n', NS, '-o', 'jsonpath={.spec.ephemeralContainers[*].name}'])
  t.equal(after.stdout, 'dbg-restricted')
})

t.test('server-side dry run shows the real verdict and stores nothing', async (t) => {
  const bad = await apply(cluster, pod('dry-bad', privilegedSpec()), { namespace: NS, dryRun: true })
  t.equal(bad.code, 1)
  t.match(bad.stderr, deniedBy(DENY_WEBHOOK))
  t.match(bad.stderr, PRIVILEGED_POD_PATH)
  t.notOk(await stored('pod', 'dry-bad'), 'denied dry run: nothing stored')

  const good = await apply(cluster, pod('dry-good'), { namespace: NS, dryRun: true })
  t.equal(good.code, 0, good.stderr)
  t.match(good.stdout, 'pod/dry-good created (server dry run)')
  t.notOk(await stored('pod', 'dry-good'), 'admitted dry run: nothing stored')

  // Both were evaluated and logged as dry runs.
  const badLine = await server.waitForLog((l) => l['name'] === 'dry-bad')
  t.equal(badLine['dryRun'], true)
  t.equal(badLine['decision'], 'denied')
  const goodLine = await server.waitForLog((l) => l['name'] === 'dry-good')
  t.equal(goodLine['dryRun'], true)
  t.equal(goodLine['decision'], 'allowed')
})

t.test('namespace labels: restricted denies what baseline admits, and a relabel is learnt without a restart', async (t) => {
  await createNamespace(cluster, 'e2e-restricted', { 'kube-posture.io/enforce': 'restricted' })
  await createNamespace(cluster, 'e2e-baseline', { 'kube-posture.io/enforce': 'baseline' })
  // Runs as root by default and has no seccomp profile: fine for baseline, not for restricted.
  const rootish = podSpecWith((c, spec) => {
    delete spec['securityContext']
    void c
  })
  const probe = (name: string): Obj => pod(name, rootish)

  // The informer learns the new namespaces asynchronously: wait for the restricted verdict.
  const r = await waitForWebhook(cluster, { manifest: probe('restricted-pod'), namespace: 'e2e-restricted', webhookName: DENY_WEBHOOK })
  t.match(r.stderr, '[pss-run-as-non-root]')
  t.match(r.stderr, '[pss-seccomp-restricted]')
  const denied = await apply(cluster, probe('restricted-pod'), { namespace: 'e2e-restricted' })
  t.equal(denied.code, 1)
  t.match(denied.stderr, deniedBy(DENY_WEBHOOK))
  t.match(denied.stderr, 'spec.containers[0].securityContext.runAsNonRoot')
  t.notOk(await stored('pod', 'restricted-pod', 'e2e-restricted'))

  const admitted = await apply(cluster, probe('baseline-pod'), { namespace: 'e2e-baseline' })
  t.equal(admitted.code, 0, admitted.stderr)
  // The profile's own warn-level restricted checks still warn there.
  t.ok(warnings(admitted).some((l) => l.includes('[pss-run-as-non-root]')), 'restricted checks still warn under baseline')
  t.ok(await stored('pod', 'baseline-pod', 'e2e-baseline'))
  const dep = await apply(cluster, deployment('baseline-deploy', rootish), { namespace: 'e2e-baseline' })
  t.equal(dep.code, 0, dep.stderr)

  const listening = server.logLines().filter((l) => l['msg'] === 'webhook listening').length
  const label = await cluster.kubectl(['label', 'namespace', 'e2e-baseline', 'kube-posture.io/enforce=restricted', '--overwrite'])
  t.equal(label.code, 0, label.stderr)
  const after = await waitForWebhook(cluster, { manifest: probe('relabelled-pod'), namespace: 'e2e-baseline', webhookName: DENY_WEBHOOK })
  t.match(after.stderr, '[pss-run-as-non-root]')
  t.equal(server.process.exitReason(), undefined, 'the same server process is still running')
  t.equal(server.logLines().filter((l) => l['msg'] === 'webhook listening').length, listening, 'no restart')

  // Objects admitted before the namespace was tightened can still be relabelled and scaled (updates
  // that leave the pod spec alone are not judged, as with Pod Security Admission), not changed.
  const relabel = await cluster.kubectl(['label', 'pod', 'baseline-pod', '-n', 'e2e-baseline', 'tier=web'])
  t.equal(relabel.code, 0, `label an existing violating pod: ${relabel.stderr}`)
  const scale = await cluster.kubectl(['patch', 'deployment', 'baseline-deploy', '-n', 'e2e-baseline', '--type=merge', '-p', '{"spec":{"replicas":2}}'])
  t.equal(scale.code, 0, `change replicas of an existing violating deployment: ${scale.stderr}`)
  const image = await cluster.kubectl(['set', 'image', 'pod/baseline-pod', '-n', 'e2e-baseline', 'app=registry.k8s.io/pause:3.9'])
  t.equal(image.code, 1, 'changing the pod spec is judged')
  t.match(image.stderr, deniedBy(DENY_WEBHOOK))
  t.match(image.stderr, '[pss-run-as-non-root]')
  const scaleLine = await server.waitForLog((l) => l['name'] === 'baseline-deploy' && l['operation'] === 'UPDATE')
  t.equal(scaleLine['decision'], 'allowed')

  // And back: removing the label restores the configured (recommended) behaviour.
  const unlabel = await cluster.kubectl(['label', 'namespace', 'e2e-baseline', 'kube-posture.io/enforce-'])
  t.equal(unlabel.code, 0, unlabel.stderr)
  await waitForWebhook(cluster, {
    manifest: probe('unlabelled-pod'),
    namespace: 'e2e-baseline',
    inEffect: (res) => res.code === 0,
  })
  t.pass('admitted again once the label is removed')
})

t.test('RBAC: binding cluster-admin to system:anonymous is denied', async (t) => {
  const crb = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'e2e-anonymous-admin' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
  }
  const r = await apply(cluster, crb)
  t.equal(r.code, 1)
  t.match(r.stderr, deniedBy(DENY_WEBHOOK))
  t.match(r.stderr, '[rbac-no-cluster-admin-binding]')
  t.match(r.stderr, '[rbac-no-anonymous-binding]')
  const get = await cluster.kubectl(['get', 'clusterrolebinding', 'e2e-anonymous-admin'])
  t.not(get.code, 0, 'not stored')
  t.match(get.stderr, 'NotFound')

  // A harmless binding of a narrow role is admitted (the rule is not "deny every binding").
  const ok = await apply(cluster, {
    ...crb,
    metadata: { name: 'e2e-view-binding' },
    roleRef: { ...crb.roleRef, name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'e2e-viewers' }],
  })
  t.equal(ok.code, 0, ok.stderr)
})

const allowAllIngress = (name: string): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name },
  spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{}] },
})

t.test('NetworkPolicy: allow-all ingress is warned under recommended', async (t) => {
  const r = await apply(cluster, allowAllIngress('allow-all-warned'), { namespace: NS })
  t.equal(r.code, 0, r.stderr)
  t.ok(warnings(r).some((l) => l.startsWith('Warning: [netpol-no-allow-all-ingress]')), r.stderr)
  t.ok(await stored('networkpolicy', 'allow-all-warned'))
  // Under recommended, only the fail-open webhook receives NetworkPolicies.
  const line = await server.waitForLog((l) => l['name'] === 'allow-all-warned')
  t.equal(line['decision'], 'allowed')
})

t.test('NetworkPolicy: allow-all ingress is denied once configured with action deny (reload, no restart)', async (t) => {
  const values = { config: { policies: { 'netpol-no-allow-all-ingress': { action: 'deny' } } } }
  const denyRender = await renderKubePosture(values)
  // The chart now routes NetworkPolicies through the fail-closed webhook.
  const webhooks = denyRender.webhookConfiguration?.['webhooks'] as Array<{ name: string; rules: Array<{ resources: string[] }> }>
  const denyHook = webhooks.find((w) => w.name === DENY_WEBHOOK)
  t.ok(denyHook?.rules.some((r) => r.resources.includes('networkpolicies')), 'networkpolicies in the deny webhook rules')

  // What a ConfigMap update does to the mounted file: an atomic replacement.
  writeFileSync(`${server.configFile}.tmp`, denyRender.configYaml)
  renameSync(`${server.configFile}.tmp`, server.configFile)
  await server.waitForLog((l) => l['msg'] === 'configuration loaded' && l['trigger'] !== 'start')
  await registerChartWebhooks(cluster, denyRender, server.url, server.ca.cert)
  const r = await waitForWebhook(cluster, { manifest: allowAllIngress('allow-all-denied'), namespace: NS, webhookName: DENY_WEBHOOK })
  t.match(r.stderr, '[netpol-no-allow-all-ingress]')
  t.match(r.stderr, 'spec.ingress[0]')
  const real = await apply(cluster, allowAllIngress('allow-all-denied'), { namespace: NS })
  t.equal(real.code, 1)
  t.notOk(await stored('networkpolicy', 'allow-all-denied'))
  t.equal(server.logLines().filter((l) => l['msg'] === 'webhook listening').length, 1, 'no restart')
  // Pods are still judged as before.
  const p = await apply(cluster, pod('still-denied', privilegedSpec()), { namespace: NS, dryRun: true })
  t.match(p.stderr, deniedBy(DENY_WEBHOOK))
  t.notMatch(p.stderr, deniedBy(WARN_WEBHOOK))
})

t.test('review log lines never carry object contents', async (t) => {
  const lines = reviewsOf('good-pod')
  t.ok(lines.length > 0, 'the compliant pod was reviewed')
  t.notMatch(server.logText(), 'sha256:ee6521f2', 'no image digest from any object anywhere in the log')
})
