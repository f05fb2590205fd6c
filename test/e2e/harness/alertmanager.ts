// A real Alertmanager (built from the Go module proxy by build-alertmanager.sh) for the alerting
// scenario: one process on a free port, its own storage, gossip off, and one webhook receiver (a
// local HTTP server started here) that records Alertmanager's notifications, resolved ones included.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN_DIR, freePort, startGuardedProcess, type GuardedProcess } from './cluster.js'

export interface AlertmanagerNotification {
  status: 'firing' | 'resolved'
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string }>
}

export interface RunningAlertmanager {
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly process: GuardedProcess
  /** GET /api/v2/alerts (active alerts only, as Alertmanager lists them), filtered by label matchers. */
  alerts(filter?: string[]): Promise<Array<Record<string, any>>>
  /** Notifications Alertmanager sent to its webhook receiver so far. */
  readonly notifications: AlertmanagerNotification[]
  stop(): Promise<void>
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function startAlertmanager(): Promise<RunningAlertmanager> {
  const bin = join(BIN_DIR, 'alertmanager')
  if (!existsSync(bin)) throw new Error(`${bin} missing: run bash test/e2e/build-binaries.sh (npm run test:e2e does)`)
  const notifications: AlertmanagerNotification[] = []
  const receiver: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      notifications.push(JSON.parse(body) as AlertmanagerNotification)
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const receiverPort = (receiver.address() as { port: number }).port

  const workDir = mkdtempSync(join(tmpdir(), 'kube-posture-e2e-am-'))
  const config = join(workDir, 'alertmanager.yml')
  // Short group timings: a notification (and its resolution) within seconds, not minutes.
  writeFileSync(config, [
    'route:',
    '  receiver: recorder',
    '  group_by: [alertname, policy, namespace, name]',
    '  group_wait: 1s',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: recorder',
    '    webhook_configs:',
    `      - url: http://127.0.0.1:${receiverPort}/`,
    '        send_resolved: true',
    '',
  ].join('\n'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const proc = startGuardedProcess('alertmanager', bin, [
    `--config.file=${config}`,
    `--storage.path=${join(workDir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=info',
  ], { logFile: join(workDir, 'alertmanager.log'), cleanupDir: workDir })

  const alerts = async (filter: string[] = []): Promise<Array<Record<string, any>>> => {
    const q = filter.map((f) => `filter=${encodeURIComponent(f)}`).join('&')
    const res = await fetch(`${url}/api/v2/alerts${q ? `?${q}` : ''}`)
    if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status}`)
    return (await res.json()) as Array<Record<string, any>>
  }
  const deadline = Date.now() + 30_000
  for (;;) {
    const reason = proc.exitReason()
    if (reason) throw new Error(reason)
    try {
      const res = await fetch(`${url}/-/ready`)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('alertmanager did not become ready within 30 s')
    await sleep(100)
  }
  return {
    url,
    process: proc,
    alerts,
    notifications,
    stop: async () => {
      await proc.stop()
      receiver.closeAllConnections()
      await new Promise<void>((r) => receiver.close(() => r()))
      rmSync(workDir, { recursive: true, force: true })
    },
  }
}
