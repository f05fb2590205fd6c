// The project's own webhook in the e2e suite: `kube-posture serve` as a real child process
// (node --import tsx src/cli/main.ts serve ...), configured and registered from the Helm chart
// rendered with the scenario's values, so that the server's configuration file and the webhook
// rules are the ones a deployment would get (the chart's ConfigMap and ValidatingWebhookConfiguration).

import { connect as tlsConnect, type PeerCertificate } from 'node:tls'
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generate } from 'selfsigned'
import { renderChart, type K8sObject } from '../../deploy/render.js'
import { apply, startGuardedProcess, type Cluster, type GuardedProcess } from './cluster.js'

const HERE = dirname(fileURLToPath(import.meta.url))
export const REPO_ROOT = resolve(HERE, '..', '..', '..')

/** Release of the rendered chart: its namespace is excluded by the chart and self-exempted by the server. */
export const RELEASE = { name: 'kube-posture', namespace: 'kube-posture' } as const
/** Webhook names the chart registers (docs/adr/0004-two-webhooks.md). */
export const DENY_WEBHOOK = 'deny.kube-posture.io'
export const WARN_WEBHOOK = 'warn.kube-posture.io'

// ---------------------------------------------------------------------------
// Certificates

export interface CertificateAuthority {
  cert: string
  key: string
}

export interface ServingPair {
  cert: string
  key: string
}

/** A fresh CA (self-signed, may sign certificates). */
export async function certificateAuthority(commonName = 'kube-posture e2e CA'): Promise<CertificateAuthority> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  })
  return { cert: pems.cert, key: pems.private }
}

type Extensions = NonNullable<NonNullable<Parameters<typeof generate>[1]>['extensions']>

/** A leaf certificate signed by `ca` for a day, with the given subject and extended key usage. */
async function leafCertificate(ca: CertificateAuthority, subject: { name: string; value: string }[], extensions: Extensions): Promise<ServingPair> {
  const pems = await generate(subject, {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
    ca,
    extensions: [{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, keyEncipherment: true }, ...extensions],
  })
  return { cert: pems.cert, key: pems.private }
}

/** A leaf serving certificate for 127.0.0.1 (IP SAN; the apiserver ignores the CN) signed by `ca`. */
export function servingCertificate(ca: CertificateAuthority): Promise<ServingPair> {
  return leafCertificate(ca, [{ name: 'commonName', value: '127.0.0.1' }], [
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ])
}

/** A leaf client certificate signed by `ca`: the apiserver reads CN as the user name and O as a group. */
export function clientCertificate(ca: CertificateAuthority, user: { name: string; group?: string }): Promise<ServingPair> {
  const subject = [{ name: 'commonName', value: user.name }, ...(user.group ? [{ name: 'organizationName', value: user.group }] : [])]
  return leafCertificate(ca, subject, [{ name: 'extKeyUsage', clientAuth: true }])
}

/**
 * A directory laid out like a Secret volume: `tls.crt` and `tls.key` are symlinks through `..data`,
 * which points at a timestamped directory. `rotate` swaps `..data` atomically, as the kubelet does.
 */
export class SecretVolume {
  private generation = 0
  constructor(readonly dir: string) {}

  get certFile(): string {
    return join(this.dir, 'tls.crt')
  }
  get keyFile(): string {
    return join(this.dir, 'tls.key')
  }

  write(pair: ServingPair): void {
    mkdirSync(this.dir, { recursive: true })
    const version = join(this.dir, `..${Date.now()}_${++this.generation}`)
    mkdirSync(version)
    writeFileSync(join(version, 'tls.crt'), pair.cert)
    writeFileSync(join(version, 'tls.key'), pair.key, { mode: 0o600 })
    const tmpLink = join(this.dir, '..data_tmp')
    rmSync(tmpLink, { force: true })
    symlinkSync(version.slice(this.dir.length + 1), tmpLink)
    renameSync(tmpLink, join(this.dir, '..data')) // atomic swap
    for (const f of ['tls.crt', 'tls.key']) {
      try {
        symlinkSync(join('..data', f), join(this.dir, f))
      } catch {
        // already linked through ..data
      }
    }
  }
}

/** The certificate a TLS server at 127.0.0.1:port presents (verified against caPem). */
export function presentedCertificate(port: number, caPem: string): Promise<PeerCertificate> {
  return new Promise((res, rej) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: caPem, rejectUnauthorized: true }, () => {
      const peer = socket.getPeerCertificate()
      socket.end()
      res(peer)
    })
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS handshake timed out')))
    socket.on('error', rej)
  })
}

/** SHA-256 fingerprint of a PEM certificate in the `AA:BB:...` form Node's PeerCertificate uses. */
export async function fingerprintOf(certPem: string): Promise<string> {
  const { X509Certificate } = await import('node:crypto')
  return new X509Certificate(certPem).fingerprint256
}

// ---------------------------------------------------------------------------
// The chart

export interface ChartRender {
  objects: K8sObject[]
  /** The server configuration file the chart's ConfigMap carries (config.yaml). */
  configYaml: string
  /** The chart's ValidatingWebhookConfiguration, or undefined when it renders none. */
  webhookConfiguration: K8sObject | undefined
}

/** `helm template` of charts/kube-posture with these values (release kube-posture in namespace kube-posture). */
export async function renderKubePosture(values: Record<string, unknown> = {}): Promise<ChartRender> {
  const objects = await renderChart(values, { releaseName: RELEASE.name, namespace: RELEASE.namespace })
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${RELEASE.name}-config`)
  const configYaml = (cm?.['data'] as Record<string, string> | undefined)?.['config.yaml']
  if (typeof configYaml !== 'string') throw new Error('the rendered chart has no kube-posture-config ConfigMap with config.yaml')
  return { objects, configYaml, webhookConfiguration: objects.find((o) => o.kind === 'ValidatingWebhookConfiguration') }
}

/**
 * The chart's webhook configuration, with each webhook's `clientConfig.service` replaced by
 * `url` + `caBundle` (there is no Service in front of a process on 127.0.0.1). Everything else
 * (names, rules, failurePolicy, namespaceSelector, sideEffects, timeouts) is as rendered.
 */
export function pointWebhooksAt(vwc: K8sObject, url: string, caBundlePem: string): K8sObject {
  const copy = structuredClone(vwc)
  const webhooks = (copy['webhooks'] as Array<Record<string, unknown>> | undefined) ?? []
  for (const w of webhooks) {
    w['clientConfig'] = { url, caBundle: Buffer.from(caBundlePem).toString('base64') }
  }
  return copy
}

/** Applies the chart's webhook configuration pointed at `url`; throws if kubectl fails. */
export async function registerChartWebhooks(cluster: Cluster, render: ChartRender, url: string, caBundlePem: string): Promise<K8sObject> {
  if (!render.webhookConfiguration) throw new Error('the chart rendered no ValidatingWebhookConfiguration for these values')
  const vwc = pointWebhooksAt(render.webhookConfiguration, url, caBundlePem)
  const r = await apply(cluster, vwc)
  if (r.code !== 0) throw new Error(`applying the chart's webhook configuration failed (${r.code}): ${r.stderr}`)
  return vwc
}

// ---------------------------------------------------------------------------
// The server process

export interface StartKubePostureOptions {
  /** Configuration file contents (e.g. the chart's config.yaml). */
  configYaml: string
  /** Serving certificate; default: a fresh CA and a leaf for 127.0.0.1 signed by it. */
  ca?: CertificateAuthority
  serving?: ServingPair
  /** Extra `serve` flags, e.g. ['--mode', 'audit']. */
  args?: string[]
  /** Port to listen on (default 0: any free port; pass the old port to restart behind the same URL). */
  port?: number
  /** Bound on start-up (listening + /readyz), default 60000 ms. */
  readyTimeoutMs?: number
}

export interface KubePostureServer {
  /** https://127.0.0.1:<port>/validate */
  readonly url: string
  readonly port: number
  /** http://127.0.0.1:<port> of /readyz, /healthz and /metrics (--metrics-port, as in the chart). */
  readonly opsUrl: string
  /** Trust root for the serving certificate: the caBundle. */
  readonly ca: CertificateAuthority
  /** The mounted-Secret-like directory the server reads its certificate from. */
  readonly tls: SecretVolume
  readonly configFile: string
  readonly workDir: string
  readonly process: GuardedProcess
  /** Every JSON log line written so far. */
  logLines(): Array<Record<string, unknown>>
  /** The raw log (stdout and stderr). */
  logText(): string
  /** Polls the log until a line satisfies `match`; throws with the log tail after timeoutMs. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  /** SIGTERM (graceful shutdown), then waits for the exit. Keeps workDir for a restart. */
  stop(): Promise<void>
  /** stop() and remove workDir. */
  dispose(): Promise<void>
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function parseLines(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      out.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      // a partial line still being written
    }
  }
  return out
}

function httpStatus(url: string): Promise<number> {
  return new Promise((res) => {
    const req = httpRequest(url, { timeout: 3000 }, (resp) => {
      resp.resume()
      resp.on('end', () => res(resp.statusCode ?? 0))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => res(0))
    req.end()
  })
}

/**
 * Starts `kube-posture serve` against the cluster: the chart's container flags (config file,
 * certificate files, separate metrics port, log level info), POD_NAMESPACE/POD_SERVICE_ACCOUNT of the
 * release, and the cluster's kubeconfig for the namespace informer. Resolves once the server has
 * logged `webhook listening` and its /readyz (policies loaded, namespace cache listed) answers 200.
 */
export async function startKubePosture(cluster: Cluster, o: StartKubePostureOptions): Promise<KubePostureServer> {
  const workDir = mkdtempSync(join(tmpdir(), 'kube-posture-e2e-webhook-'))
  const ca = o.ca ?? (await certificateAuthority())
  const tls = new SecretVolume(join(workDir, 'tls'))
  tls.write(o.serving ?? (await servingCertificate(ca)))
  const configDir = join(workDir, 'config')
  mkdirSync(configDir)
  const configFile = join(configDir, 'config.yaml')
  writeFileSync(configFile, o.configYaml)
  return launch(cluster, { ...o, workDir, ca, tls, configFile })
}

/** Starts a stopped server again with the same files and port (same URL, same caBundle). */
export async function restartKubePosture(cluster: Cluster, old: KubePostureServer, o: Omit<StartKubePostureOptions, 'configYaml' | 'ca' | 'serving' | 'port'>): Promise<KubePostureServer> {
  await old.stop()
  return launch(cluster, { ...o, configYaml: '', port: old.port, workDir: old.workDir, ca: old.ca, tls: old.tls, configFile: old.configFile })
}

async function launch(
  cluster: Cluster,
  o: StartKubePostureOptions & { workDir: string; ca: CertificateAuthority; tls: SecretVolume; configFile: string },
): Promise<KubePostureServer> {
  const logFile = join(o.workDir, `serve-${Date.now()}.log`)
  const args = [
    '--import',
    'tsx',
    join(REPO_ROOT, 'src', 'cli', 'main.ts'),
    'serve',
    `--config=${o.configFile}`,
    '--host=127.0.0.1',
    `--port=${o.port ?? 0}`,
    `--tls-cert=${o.tls.certFile}`,
    `--tls-key=${o.tls.keyFile}`,
    '--metrics-port=0',
    '--log-level=info',
    `--kubeconfig=${cluster.kubeconfig}`,
    // A quick exit on SIGTERM: scenarios stop the server to simulate an outage.
    '--shutdown-grace=5',
    ...(o.args ?? []),
  ]
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POD_NAMESPACE: RELEASE.namespace,
    POD_SERVICE_ACCOUNT: RELEASE.name,
    NODE_ENV: 'production',
  }
  for (const k of Object.keys(env)) if (k.startsWith('KP_') || k === 'KUBECONFIG') delete env[k]
  const keep = process.env['E2E_KEEP_WORKDIR'] === '1'
  const proc = startGuardedProcess('kube-posture serve', process.execPath, args, {
    logFile,
    cwd: REPO_ROOT,
    env,
    ...(keep ? {} : { cleanupDir: o.workDir }),
  })

  const logText = (): string => {
    try {
      return readFileSync(logFile, 'utf8')
    } catch {
      return ''
    }
  }
  const logLines = (): Array<Record<string, unknown>> => parseLines(logText())
  const tail = (): string => logText().split('\n').slice(-30).join('\n')
  const waitForLog = async (match: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = logLines().find(match)
      if (hit) return hit
      const reason = proc.exitReason()
      if (reason) throw new Error(`kube-posture serve: ${reason}`)
      if (Date.now() > deadline) throw new Error(`kube-posture serve: no matching log line after ${timeoutMs} ms\n${tail()}`)
      await sleep(100)
    }
  }

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => (stopped ??= proc.stop(15_000))
  try {
    const readyTimeoutMs = o.readyTimeoutMs ?? 60_000
    const listening = await waitForLog((l) => l['msg'] === 'webhook listening', readyTimeoutMs)
    const url = String(listening['url'])
    const opsUrl = String(listening['ops']).replace('0.0.0.0', '127.0.0.1')
    const port = Number(new URL(url).port)
    const deadline = Date.now() + readyTimeoutMs
    while ((await httpStatus(`${opsUrl}/readyz`)) !== 200) {
      const reason = proc.exitReason()
      if (reason) throw new Error(`kube-posture serve: ${reason}`)
      if (Date.now() > deadline) throw new Error(`kube-posture serve: /readyz not 200 after ${readyTimeoutMs} ms\n${tail()}`)
      await sleep(200)
    }
    return {
      url,
      port,
      opsUrl,
      ca: o.ca,
      tls: o.tls,
      configFile: o.configFile,
      workDir: o.workDir,
      process: proc,
      logLines,
      logText,
      waitForLog,
      stop,
      dispose: async () => {
        await stop()
        if (process.env['E2E_KEEP_WORKDIR'] !== '1') rmSync(o.workDir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    await stop()
    throw e
  }
}
