// Registering a validating webhook with the e2e cluster, waiting until the
// apiserver actually calls it, and a tiny stub webhook server for harness tests.

import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { generate } from 'selfsigned'
import { apply, type Cluster, type KubectlResult } from './cluster.js'

export interface RuleWithOperations {
  operations: Array<'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT' | '*'>
  apiGroups: string[]
  apiVersions: string[]
  resources: string[]
  scope?: 'Cluster' | 'Namespaced' | '*'
}

export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>
}

export interface RegisterWebhookOptions {
  /** Fully qualified webhook name (at least three DNS labels, e.g. "deny.e2e.kube-posture.dev"); also the configuration's name. */
  name: string
  /** https URL the apiserver calls, e.g. https://127.0.0.1:PORT/validate */
  url: string
  /** PEM of the CA (or self-signed certificate) that signed the webhook's serving certificate. */
  caBundlePem: string
  rules: RuleWithOperations[]
  failurePolicy?: 'Fail' | 'Ignore'
  namespaceSelector?: LabelSelector
  objectSelector?: LabelSelector
  timeoutSeconds?: number
  matchPolicy?: 'Exact' | 'Equivalent'
}

/** Pod CREATE/UPDATE rule, the most common one in scenarios. */
export const POD_RULES: RuleWithOperations[] = [
  { operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
]

/** Builds the ValidatingWebhookConfiguration object (exported for scenarios that need to tweak it). */
export function webhookConfiguration(o: RegisterWebhookOptions): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: o.name, labels: { 'app.kubernetes.io/part-of': 'kube-posture-e2e' } },
    webhooks: [
      {
        name: o.name,
        clientConfig: { url: o.url, caBundle: Buffer.from(o.caBundlePem).toString('base64') },
        rules: o.rules,
        failurePolicy: o.failurePolicy ?? 'Fail',
        matchPolicy: o.matchPolicy ?? 'Equivalent',
        namespaceSelector: o.namespaceSelector ?? {},
        objectSelector: o.objectSelector ?? {},
        // Required for `kubectl apply --dry-run=server` to reach the webhook.
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: o.timeoutSeconds ?? 10,
      },
    ],
  }
}

/** Applies (creates or updates) the ValidatingWebhookConfiguration. Throws if kubectl fails. */
export async function registerWebhook(cluster: Cluster, o: RegisterWebhookOptions): Promise<void> {
  const r = await apply(cluster, webhookConfiguration(o))
  if (r.code !== 0) throw new Error(`registering webhook ${o.name} failed (${r.code}): ${r.stderr}`)
}

export async function unregisterWebhook(cluster: Cluster, name: string): Promise<void> {
  const r = await cluster.kubectl(['delete', 'validatingwebhookconfiguration', name, '--ignore-not-found', '--wait=false'])
  if (r.code !== 0) throw new Error(`deleting webhook ${name} failed (${r.code}): ${r.stderr}`)
}

export interface WebhookProbe {
  /** Object applied with `kubectl apply --dry-run=server` (nothing is stored). */
  manifest: unknown
  namespace?: string
  /**
   * True once the webhook is in effect. Default: kubectl failed with
   * `admission webhook "<webhookName ?? any>" denied the request`.
   */
  inEffect?: (r: KubectlResult) => boolean
  /** Narrows the default `inEffect` to this webhook. */
  webhookName?: string
  /** Default 30000 ms. */
  timeoutMs?: number
  /** Default 250 ms. */
  intervalMs?: number
}

/**
 * Polls a server-side dry-run until the webhook is in effect (the apiserver
 * picks up webhook configurations through an informer, so a fresh
 * registration is not immediately active). Resolves with the first result
 * that satisfied `inEffect`; throws with the last result on timeout.
 */
export async function waitForWebhook(cluster: Cluster, probe: WebhookProbe): Promise<KubectlResult> {
  const name = probe.webhookName ? probe.webhookName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : '[^"]+'
  const denied = new RegExp(`admission webhook "${name}" denied the request`)
  const inEffect = probe.inEffect ?? ((r: KubectlResult) => r.code !== 0 && denied.test(r.stderr))
  const timeoutMs = probe.timeoutMs ?? 30_000
  const deadline = Date.now() + timeoutMs
  let last: KubectlResult
  for (;;) {
    const opts: { dryRun: true; namespace?: string } = { dryRun: true }
    if (probe.namespace) opts.namespace = probe.namespace
    last = await apply(cluster, probe.manifest, opts)
    if (inEffect(last)) return last
    if (Date.now() > deadline) {
      throw new Error(
        `webhook not in effect after ${timeoutMs} ms; last dry-run: code ${last.code}\nstdout: ${last.stdout}\nstderr: ${last.stderr}`,
      )
    }
    await new Promise((r) => setTimeout(r, probe.intervalMs ?? 250))
  }
}

// ---------------------------------------------------------------------------
// Stub webhook server (tests of the harness itself; scenarios use the project's server).

/** Subset of admission.k8s.io/v1 AdmissionRequest that stubs look at. */
export interface AdmissionRequest {
  uid: string
  kind: { group: string; version: string; kind: string }
  name?: string
  namespace?: string
  operation: string
  dryRun?: boolean
  object?: { metadata?: { name?: string; [k: string]: unknown }; [k: string]: unknown }
  [k: string]: unknown
}

export interface StubDecision {
  allowed: boolean
  message?: string
  warnings?: string[]
}

export interface StubWebhook {
  /** https://127.0.0.1:PORT/validate */
  url: string
  /** https://127.0.0.1:PORT: the stub answers on any path (register several webhooks on one stub). */
  baseUrl: string
  /** Every review received, in order, as sent: the path it came to, the raw body and the parsed review. */
  received: ReceivedReview[]
  /** Self-signed serving certificate (IP SAN 127.0.0.1): use as caBundle. */
  caBundlePem: string
  /** Every AdmissionRequest received, in order. */
  requests: AdmissionRequest[]
  close(): Promise<void>
}

export interface ReceivedReview {
  path: string
  body: string
  review: { apiVersion?: string; request?: { name?: string; namespace?: string; operation?: string; subResource?: string; kind?: { kind?: string } } }
}

/** Self-signed certificate for 127.0.0.1 / localhost, usable as its own CA bundle. */
export async function selfSignedServingCert(): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  })
  return { cert: pems.cert, key: pems.private }
}

/** Starts an HTTPS validating webhook on 127.0.0.1 that answers with `decide(request)`. */
export async function startStubWebhook(decide: (req: AdmissionRequest) => StubDecision): Promise<StubWebhook> {
  const { cert, key } = await selfSignedServingCert()
  const requests: AdmissionRequest[] = []
  const received: ReceivedReview[] = []
  const server: Server = createServer({ cert, key, minVersion: 'TLSv1.2' }, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      try {
        const body = Buffer.concat(chunks).toString('utf8')
        const review = JSON.parse(body) as { apiVersion?: string; request: AdmissionRequest }
        requests.push(review.request)
        received.push({ path: (req.url ?? '').split('?')[0] ?? '', body, review: review as ReceivedReview['review'] })
        const d = decide(review.request)
        const response: Record<string, unknown> = { uid: review.request.uid, allowed: d.allowed }
        if (!d.allowed) response['status'] = { code: 403, reason: 'Forbidden', message: d.message ?? 'denied' }
        if (d.warnings?.length) response['warnings'] = d.warnings
        res.writeHead(200, { 'content-type': 'application/json' })
        // Answered in the version asked, as a webhook must (v1 or v1beta1).
        res.end(JSON.stringify({ apiVersion: review.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response }))
      } catch (e) {
        res.writeHead(400, { 'content-type': 'text/plain' })
        res.end(String(e))
      }
    })
  })
  // The apiserver keeps idle connections for 90 s; do not close them first.
  server.keepAliveTimeout = 120_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `https://127.0.0.1:${port}/validate`,
    baseUrl: `https://127.0.0.1:${port}`,
    caBundlePem: cert,
    requests,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
