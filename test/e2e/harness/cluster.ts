// End-to-end harness: a real etcd + kube-apiserver on 127.0.0.1, driven with
// the kubectl built by test/e2e/build-binaries.sh. No kubelet or scheduler:
// objects are stored and admitted, nothing runs. With `controllerManager: true`
// a real kube-controller-manager runs too, so Deployments create ReplicaSets
// and Pods (which stay Pending) and ownerReference garbage collection happens.
//
// Typical scenario file (one cluster per test file):
//
//   import t from 'tap'
//   import { startCluster } from './harness/cluster.js'
//   const cluster = await startCluster()
//   t.teardown(() => cluster.stop())
//   t.test('...', async t => { const r = await cluster.kubectl(['get', 'ns']); t.equal(r.code, 0) })
//
// See docs/e2e.md.

import { spawn, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))

/** Directory holding kube-apiserver, kubectl and etcd (override with E2E_BIN_DIR). */
export const BIN_DIR = resolve(process.env['E2E_BIN_DIR'] ?? join(HERE, '..', '.bin'))

export interface KubectlResult {
  code: number
  stdout: string
  stderr: string
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  stdin?: string
  /** Kill kubectl after this many milliseconds (default 60000); code is then -1. */
  timeoutMs?: number
}

export interface Cluster {
  /** https://127.0.0.1:<port> */
  readonly server: string
  /** Path of a kubeconfig file (token auth as a system:masters user). */
  readonly kubeconfig: string
  /** Bearer token of that user. */
  readonly token: string
  /** PEM trusted for the apiserver's serving certificate. */
  readonly caPem: string
  /** Temporary directory holding etcd data, certificates, logs; removed by stop(). */
  readonly workDir: string
  /** Runs the built kubectl against this cluster. Never rejects on a non-zero exit. */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>
  /** Last lines of the etcd and kube-apiserver logs, for failure diagnostics. */
  logs(lines?: number): string
  /** Stops kube-apiserver and etcd and removes workDir. Idempotent. */
  stop(): Promise<void>
}

export interface StartClusterOptions {
  /** Bound on waiting for etcd health and apiserver /readyz (default 120000 ms). */
  readyTimeoutMs?: number
  /** Appended to the kube-apiserver command line. */
  extraApiserverFlags?: string[]
  /** Keep workDir after stop() (also enabled by E2E_KEEP_WORKDIR=1). */
  keepWorkDir?: boolean
  /** Also run kube-controller-manager (workload controllers, garbage collector). */
  controllerManager?: boolean
}

// ---------------------------------------------------------------------------
// Process bookkeeping: everything started here is killed on stop(), on normal
// process exit and on SIGINT/SIGTERM. Each server runs in its own process
// group under a small bash guard that also kills it (and removes the work
// dir) if this Node process dies without cleaning up (e.g. SIGKILL).

interface Managed {
  name: string
  child: ChildProcess
  exited: Promise<number | null>
  logFile: string
}

const live = new Set<{ procs: Managed[]; workDir: string; keep: boolean }>()
let hooksInstalled = false

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

function emergencyCleanup(): void {
  for (const c of live) {
    for (const p of c.procs) killGroup(p.child.pid, 'SIGKILL')
    if (!c.keep) rmSync(c.workDir, { recursive: true, force: true })
  }
  live.clear()
}

function installExitHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', emergencyCleanup)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      emergencyCleanup()
      process.removeListener(sig, handler)
      process.kill(process.pid, sig)
    }
    process.on(sig, handler)
  }
}

// Runs "$@" and stays alive as long as it does; if the watched Node process
// disappears, terminates the command and removes the optional directory.
const GUARD = `
watch=$1; cleanup=$2; shift 2
"$@" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; exit 143' TERM INT
while kill -0 "$child" 2>/dev/null; do
  if ! kill -0 "$watch" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$child" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$child" 2>/dev/null
    [ -n "$cleanup" ] && rm -rf "$cleanup"
    exit 1
  fi
  sleep 1
done
wait "$child"
`

function startManaged(
  name: string,
  bin: string,
  args: string[],
  logFile: string,
  cleanupDir: string,
  spawnOpts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Managed {
  const fd = openSync(logFile, 'a')
  const child = spawn('bash', ['-c', GUARD, 'e2e-guard', String(process.pid), cleanupDir, bin, ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    ...(spawnOpts.cwd ? { cwd: spawnOpts.cwd } : {}),
    ...(spawnOpts.env ? { env: spawnOpts.env } : {}),
  })
  closeSync(fd)
  const exited = new Promise<number | null>((res) => {
    child.once('exit', (code) => res(code))
    child.once('error', () => res(-1))
  })
  return { name, child, exited, logFile }
}

async function stopManaged(p: Managed, graceMs = 10_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return
  killGroup(p.child.pid, 'SIGTERM')
  const timer = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), graceMs).unref())
  if ((await Promise.race([p.exited, timer])) === 'timeout') {
    killGroup(p.child.pid, 'SIGKILL')
    await p.exited
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n')
  } catch {
    return '(no log)'
  }
}

// ---------------------------------------------------------------------------
// Other long-running processes of a scenario (e.g. the project's webhook server), under the same
// guard and exit hooks as the cluster's servers.

export interface GuardedProcess {
  readonly name: string
  /** Where the process's stdout and stderr go. */
  readonly logFile: string
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>
  /** Undefined while running; otherwise why it stopped, with the log tail. */
  exitReason(): string | undefined
  /** SIGTERM to its process group, SIGKILL after graceMs (default 10000). Idempotent. */
  stop(graceMs?: number): Promise<void>
}

export function startGuardedProcess(
  name: string,
  bin: string,
  args: string[],
  opts: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv; cleanupDir?: string },
): GuardedProcess {
  installExitHooks()
  const p = startManaged(name, bin, args, opts.logFile, opts.cleanupDir ?? '', {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  })
  // Registered like a cluster so that emergencyCleanup kills it (and removes cleanupDir, if given).
  const entry = { procs: [p], workDir: opts.cleanupDir ?? '', keep: opts.cleanupDir === undefined }
  live.add(entry)
  void p.exited.then(() => live.delete(entry))
  let stopped: Promise<void> | undefined
  return {
    name,
    logFile: opts.logFile,
    exited: p.exited,
    exitReason: () => exitReason(p),
    stop: (graceMs?: number) => (stopped ??= stopManaged(p, graceMs).then(() => void live.delete(entry))),
  }
}

// ---------------------------------------------------------------------------

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => res(port))
    })
  })
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const u = new URL(url)
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      { method: 'GET', headers, rejectUnauthorized: false, timeout: 5000 },
      (resp) => {
        let body = ''
        resp.setEncoding('utf8')
        resp.on('data', (c: string) => (body += c))
        resp.on('end', () => res({ status: resp.statusCode ?? 0, body }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', rej)
    req.end()
  })
}

/** Polls `check` until it returns true; throws if `abort` returns a reason or the deadline passes. */
async function pollUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  abort: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastErr = ''
  for (;;) {
    const reason = abort()
    if (reason) throw new Error(`${what}: ${reason}`)
    try {
      if (await check()) return
    } catch (e) {
      lastErr = e instanceof Error ? e.message : String(e)
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms ${lastErr}`)
    await sleep(250)
  }
}

function requireBinaries(): void {
  for (const b of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl']) {
    if (!existsSync(join(BIN_DIR, b))) {
      throw new Error(`${join(BIN_DIR, b)} missing: run bash test/e2e/build-binaries.sh (npm run test:e2e does)`)
    }
  }
}

function exitReason(p: Managed): string | undefined {
  if (p.child.exitCode !== null || p.child.signalCode !== null) {
    return `${p.name} exited (code ${p.child.exitCode ?? p.child.signalCode}):\n${tail(p.logFile, 30)}`
  }
  return undefined
}

/**
 * Starts etcd and kube-apiserver on free 127.0.0.1 ports and waits for /readyz.
 * Retries with fresh ports if a server exits during start-up (e.g. a port race).
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<Cluster> {
  requireBinaries()
  let lastError: unknown
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startClusterOnce(opts)
    } catch (e) {
      lastError = e
      // Only a server exiting early (port clash, ...) is worth retrying.
      if (!(e instanceof Error && / exited \(code /.test(e.message))) break
    }
  }
  throw lastError
}

async function startClusterOnce(opts: StartClusterOptions): Promise<Cluster> {
  installExitHooks()
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000
  const keep = opts.keepWorkDir ?? process.env['E2E_KEEP_WORKDIR'] === '1'
  const workDir = mkdtempSync(join(tmpdir(), 'kube-posture-e2e-'))
  const entry = { procs: [] as Managed[], workDir, keep }
  live.add(entry)

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // apiserver first, then its storage.
      for (const p of [...entry.procs].reverse()) await stopManaged(p)
      live.delete(entry)
      if (!keep) rmSync(workDir, { recursive: true, force: true })
    })()
    return stopped
  }

  try {
    // --- etcd
    const [etcdClient, etcdPeer] = [await freePort(), await freePort()]
    const etcdUrl = `http://127.0.0.1:${etcdClient}`
    const peerUrl = `http://127.0.0.1:${etcdPeer}`
    const etcd = startManaged(
      'etcd',
      join(BIN_DIR, 'etcd'),
      [
        '--name=e2e',
        `--data-dir=${join(workDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=e2e=${peerUrl}`,
        '--log-level=warn',
        '--unsafe-no-fsync', // test data only
      ],
      join(workDir, 'etcd.log'),
      keep ? '' : workDir,
    )
    entry.procs.push(etcd)
    await pollUntil(
      'etcd',
      readyTimeoutMs,
      async () => {
        const r = await httpGet(`${etcdUrl}/health`)
        return r.status === 200 && r.body.includes('"health":"true"')
      },
      () => exitReason(etcd),
    )

    // --- credentials
    const token = randomBytes(24).toString('hex')
    const tokenFile = join(workDir, 'tokens.csv')
    writeFileSync(tokenFile, `${token},e2e-admin,e2e-admin-uid,"system:masters"\n`, { mode: 0o600 })
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const saKey = join(workDir, 'sa.key')
    const saPub = join(workDir, 'sa.pub')
    writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }))

    // --- kube-apiserver
    const port = await freePort()
    const server = `https://127.0.0.1:${port}`
    const certDir = join(workDir, 'certs')
    const apiserver = startManaged(
      'kube-apiserver',
      join(BIN_DIR, 'kube-apiserver'),
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // Loopback cannot be published as the kubernetes service endpoint; nothing needs it here.
        '--endpoint-reconciler-type=none',
        `--secure-port=${port}`,
        `--cert-dir=${certDir}`, // self-signed serving cert for 127.0.0.1
        `--token-auth-file=${tokenFile}`,
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=RBAC',
        // No controller-manager creates service accounts, so the plugin would reject every pod.
        '--disable-admission-plugins=ServiceAccount',
        // Let scenarios store privileged pods: deciding about them is the webhook's job.
        '--allow-privileged=true',
        '--profiling=false',
        '--v=1',
        ...(opts.extraApiserverFlags ?? []),
      ],
      join(workDir, 'kube-apiserver.log'),
      '',
    )
    entry.procs.push(apiserver)
    await pollUntil(
      'kube-apiserver /readyz',
      readyTimeoutMs,
      async () => (await httpGet(`${server}/readyz`, { Authorization: `Bearer ${token}` })).status === 200,
      () => exitReason(apiserver),
    )

    // The apiserver writes its self-signed certificate (leaf + its CA) into cert-dir.
    const caPem = readFileSync(join(certDir, 'apiserver.crt'), 'utf8')
    const kubeconfig = join(workDir, 'kubeconfig')
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'e2e',
            cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
          },
        ],
        users: [{ name: 'e2e-admin', user: { token } }],
        contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'e2e-admin', namespace: 'default' } }],
        'current-context': 'e2e',
      }),
      { mode: 0o600 },
    )

    if (opts.controllerManager) {
      const cm = startManaged(
        'kube-controller-manager',
        join(BIN_DIR, 'kube-controller-manager'),
        [
          `--kubeconfig=${kubeconfig}`,
          // Its own API calls use the admin token: no per-controller service accounts to create.
          '--use-service-account-credentials=false',
          '--leader-elect=false',
          `--service-account-private-key-file=${saKey}`,
          // No serving endpoint: nothing scrapes it here.
          '--secure-port=0',
          '--profiling=false',
          '--v=1',
        ],
        join(workDir, 'kube-controller-manager.log'),
        '',
      )
      entry.procs.push(cm)
      // Ready once its controllers act: the service account controller creates `default` in every namespace.
      await pollUntil(
        'kube-controller-manager',
        readyTimeoutMs,
        async () => {
          const r = await runKubectl(kubeconfig, ['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name'])
          return r.code === 0
        },
        () => exitReason(cm),
      )
    }

    const kubectl = (args: string[], kopts: KubectlOptions = {}): Promise<KubectlResult> =>
      runKubectl(kubeconfig, args, kopts)

    const logs = (lines = 40): string =>
      entry.procs.map((p) => `--- ${p.name} (${p.logFile})\n${tail(p.logFile, lines)}`).join('\n')

    return { server, kubeconfig, token, caPem, workDir, kubectl, logs, stop }
  } catch (e) {
    const diag = entry.procs.map((p) => `--- ${p.name}\n${tail(p.logFile, 30)}`).join('\n')
    await stop()
    if (e instanceof Error && !e.message.includes(' exited (code ')) e.message += `\n${diag}`
    throw e
  }
}

export function runKubectl(kubeconfig: string, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  return new Promise((res) => {
    const child = spawn(join(BIN_DIR, 'kubectl'), args, {
      env: { ...process.env, KUBECONFIG: kubeconfig, KUBECTL_INTERACTIVE_DELETE: 'false' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, opts.timeoutMs ?? 60_000)
    child.on('error', (e) => {
      clearTimeout(timer)
      res({ code: -1, stdout, stderr: stderr + String(e) })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      res({ code: timedOut ? -1 : (code ?? -1), stdout, stderr: timedOut ? `${stderr}\n(kubectl timed out)` : stderr })
    })
    child.stdin.on('error', () => {}) // kubectl may exit before reading stdin
    child.stdin.end(opts.stdin ?? '')
  })
}

/** `kubectl apply -f -` of a manifest (object, list of objects, or YAML/JSON text). */
export function apply(
  cluster: Pick<Cluster, 'kubectl'>,
  manifest: unknown,
  opts: { namespace?: string; dryRun?: boolean; extraArgs?: string[] } = {},
): Promise<KubectlResult> {
  const args = ['apply', '-f', '-']
  if (opts.namespace) args.push('-n', opts.namespace)
  if (opts.dryRun) args.push('--dry-run=server')
  args.push(...(opts.extraArgs ?? []))
  return cluster.kubectl(args, { stdin: toManifestText(manifest) })
}

export function toManifestText(manifest: unknown): string {
  if (typeof manifest === 'string') return manifest
  if (Array.isArray(manifest)) return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifest })
  return JSON.stringify(manifest)
}

/**
 * Creates (or updates) a namespace with labels. There is no namespace
 * controller, so deleted namespaces stay Terminating forever: give every
 * scenario its own namespace instead of deleting and re-creating one.
 */
export async function createNamespace(
  cluster: Pick<Cluster, 'kubectl'>,
  name: string,
  labels: Record<string, string> = {},
): Promise<void> {
  const r = await apply(cluster, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } })
  if (r.code !== 0) throw new Error(`creating namespace ${name} failed (${r.code}): ${r.stderr}`)
}
