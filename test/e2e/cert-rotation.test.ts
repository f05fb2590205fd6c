// Serving certificate rotation without a restart, while the API server keeps calling the webhook.
//
// 1. Same CA (what cert-manager does every renewal): the Secret-like directory's `..data` symlink is
//    swapped to a new key and certificate in the middle of 30 dry-run applies. Every apply gets the
//    webhook's answer (denied by deny.kube-posture.io, never `failed calling webhook`) and the server
//    then presents the new certificate.
// 2. New CA (the documented manual procedure, docs/operations.md): caBundle first set to both CAs,
//    then the files replaced (plain writes, key before certificate) during another 30 applies, then
//    the old CA dropped from the caBundle. Each caBundle change gives the API server a new client and
//    so new TLS connections: the calls after the first change prove the API server accepts the
//    rotated certificate of step 1, the calls after the last one that it accepts the new CA's.
//    (Calls in the loops may reuse keep-alive connections made before the swap; a control at the end
//    shows that a caBundle change does force a new handshake: a fresh CA 1-only bundle is refused.)
//
// The apiserver learns a changed webhook configuration through an informer. To know when a
// caBundle change is in effect, it is made together with the chart value webhook.objectSelector
// (present, then absent), whose effect a labelled probe pod shows.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { apply, createNamespace, startCluster, type KubectlResult } from './harness/cluster.js'
import { waitForWebhook } from './harness/webhook.js'
import {
  DENY_WEBHOOK,
  RELEASE,
  certificateAuthority,
  fingerprintOf,
  presentedCertificate,
  registerChartWebhooks,
  renderKubePosture,
  servingCertificate,
  startKubePosture,
  type ServingPair,
} from './harness/kube-posture.js'
import { pod, privilegedSpec } from './fixtures.js'

const NS = 'e2e-rotation'
const SKIP_LABEL = 'e2e.kube-posture.dev/skip'
const LOOP = 30
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const cluster = await startCluster()
t.teardown(() => cluster.stop())

const ca1 = await certificateAuthority('kube-posture e2e CA 1')
const ca2 = await certificateAuthority('kube-posture e2e CA 2')
const render = await renderKubePosture({})
// Same configuration, plus an object selector that lets pods labelled SKIP_LABEL through unchecked.
const renderWithSkip = await renderKubePosture({
  webhook: { objectSelector: { matchExpressions: [{ key: SKIP_LABEL, operator: 'DoesNotExist' }] } },
})
await createNamespace(cluster, RELEASE.namespace)
await createNamespace(cluster, NS)
const server = await startKubePosture(cluster, { configYaml: render.configYaml, ca: ca1 })
t.teardown(() => server.dispose())
t.teardown(() => {
  if (t.passing()) return
  t.comment(server.logText().split('\n').slice(-30).join('\n'))
  t.comment(cluster.logs(20))
})
await registerChartWebhooks(cluster, render, server.url, ca1.cert)
await waitForWebhook(cluster, { manifest: pod('probe', privilegedSpec()), namespace: NS, webhookName: DENY_WEBHOOK })

const skipProbe = (): Record<string, unknown> => {
  const p = pod('skip-probe', privilegedSpec())
  ;(p['metadata'] as { labels: Record<string, string> }).labels[SKIP_LABEL] = 'true'
  return p
}
const answered = (r: KubectlResult): boolean =>
  r.code === 1 && r.stderr.includes(`admission webhook "${DENY_WEBHOOK}" denied the request`) && r.stderr.includes('[pss-privileged]')
const reloads = (): number => server.logLines().filter((l) => l['msg'] === 'TLS certificate reloaded').length

/**
 * LOOP dry-run applies of a pod the webhook denies, paced over several seconds; `rotate` runs before
 * iteration LOOP/3, and from iteration 2*LOOP/3 on the server must have logged the reload, so that
 * the last third of the calls certainly happens after it.
 */
async function appliesDuring(rotate: () => void | Promise<void>): Promise<KubectlResult[]> {
  const results: KubectlResult[] = []
  let before = 0
  for (let i = 0; i < LOOP; i++) {
    if (i === LOOP / 3) {
      before = reloads()
      await rotate()
    }
    if (i === (2 * LOOP) / 3) await server.waitForLog(() => reloads() > before, 30_000)
    results.push(await apply(cluster, pod(`rotation-${i}`, privilegedSpec()), { namespace: NS, dryRun: true }))
    await sleep(150)
  }
  return results
}

async function presentedBecomes(pair: ServingPair, trust: string): Promise<boolean> {
  const want = await fingerprintOf(pair.cert)
  for (let i = 0; i < 100; i++) {
    if ((await presentedCertificate(server.port, trust)).fingerprint256 === want) return true
    await sleep(200)
  }
  return false
}

t.test('same CA: a kubelet-style Secret swap during 30 applies; no call fails; the new certificate is served', async (t) => {
  const next = await servingCertificate(ca1)
  const oldPresented = (await presentedCertificate(server.port, ca1.cert)).fingerprint256
  t.not(oldPresented, await fingerprintOf(next.cert), 'a different certificate to rotate to')

  const results = await appliesDuring(() => server.tls.write(next))
  t.equal(results.length, LOOP)
  t.same(results.filter((r) => !answered(r)).map((r) => r.stderr), [], 'every call answered by the webhook')
  t.ok(await presentedBecomes(next, ca1.cert), 'the server presents the new certificate')
  const reload = server.logLines().find((l) => l['msg'] === 'TLS certificate reloaded')
  t.comment(`reload noticed by: ${String(reload?.['trigger'])}`) // watch (directory events) or poll (periodic check)
  t.equal(server.process.exitReason(), undefined, 'no restart')
  t.equal(server.logLines().filter((l) => l['msg'] === 'webhook listening').length, 1, 'listening once')
})

t.test('new CA: both CAs in the caBundle, files replaced during 30 applies, old CA dropped; no call fails', async (t) => {
  // Step 1: caBundle = CA 1 + CA 2 (with the skip selector, to see when it is in effect).
  await registerChartWebhooks(cluster, renderWithSkip, server.url, `${ca1.cert.trim()}\n${ca2.cert.trim()}\n`)
  await waitForWebhook(cluster, { manifest: skipProbe(), namespace: NS, inEffect: (r) => r.code === 0 })
  // A fresh client: the rotated CA 1 certificate of the previous test is accepted on new connections.
  const check = await apply(cluster, pod('both-cas', privilegedSpec()), { namespace: NS, dryRun: true })
  t.ok(answered(check), check.stderr)

  // Step 2: files replaced by a pair of CA 2, as two plain writes (key first: for a moment they do not match).
  const next = await servingCertificate(ca2)
  const results = await appliesDuring(() => {
    writeFileSync(server.tls.keyFile, next.key)
    writeFileSync(server.tls.certFile, next.cert)
  })
  t.same(results.filter((r) => !answered(r)).map((r) => r.stderr), [], 'every call answered by the webhook')
  t.ok(await presentedBecomes(next, ca2.cert), 'the server presents the CA 2 certificate')

  // Step 3: caBundle = CA 2 only (and the skip selector removed: the probe is denied again once in effect).
  await registerChartWebhooks(cluster, render, server.url, ca2.cert)
  const after = await waitForWebhook(cluster, { manifest: skipProbe(), namespace: NS, webhookName: DENY_WEBHOOK })
  t.ok(answered(after), 'a client trusting only CA 2 gets answers')
  for (let i = 0; i < 5; i++) {
    const r = await apply(cluster, pod(`ca2-only-${i}`, privilegedSpec()), { namespace: NS, dryRun: true })
    t.ok(answered(r), r.stderr)
  }
  await t.rejects(presentedCertificate(server.port, ca1.cert), 'CA 1 no longer verifies the served certificate')
  t.equal(server.process.exitReason(), undefined, 'no restart')
})

t.test('control: a caBundle change really means new TLS handshakes (a CA 1-only bundle is now refused)', async (t) => {
  // The API server caches a client (and its transport and connections) per distinct caBundle; bytes
  // it has not seen before get a new client, which must verify the certificate served *now*.
  // Without this, the answered calls after each caBundle change above could be old connections.
  const freshCa1Only = `${ca1.cert.trim()}\n\n`
  await registerChartWebhooks(cluster, renderWithSkip, server.url, freshCa1Only)
  await waitForWebhook(cluster, { manifest: skipProbe(), namespace: NS, inEffect: (r) => r.code === 0 })
  const r = await apply(cluster, pod('ca1-only', privilegedSpec()), { namespace: NS, dryRun: true })
  t.equal(r.code, 1)
  t.match(r.stderr, `failed calling webhook "${DENY_WEBHOOK}"`)
  t.match(r.stderr, 'x509: certificate signed by unknown authority')
  // And back to the working bundle.
  await registerChartWebhooks(cluster, render, server.url, ca2.cert)
  const back = await waitForWebhook(cluster, { manifest: skipProbe(), namespace: NS, webhookName: DENY_WEBHOOK })
  t.ok(answered(back))
})
