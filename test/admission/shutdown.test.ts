import t from 'tap';
import { request as httpsRequest } from 'node:https';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebhook, type ServeOptions } from '../../src/cli/serve-command.js';
import { TEST_POLICIES, loadReview } from './fixtures/harness.js';

const base = (devCertDir: string): ServeOptions => ({
  port: 0, path: '/validate', devCertDir, logLevel: 'silent', policyDir: [TEST_POLICIES], profile: 'all', clusterContext: 'off',
  bodyLimit: 8 * 1024 * 1024, shutdownGrace: 10, reloadInterval: 0, host: '127.0.0.1',
});

t.test('shutdown: stops accepting, finishes the review in flight, then resolves', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-shutdown-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const running = await startWebhook(base(dir), { inCluster: false });
  const ca = await readFile(join(dir, 'tls.crt'), 'utf8');
  const port = Number(new URL(running.url).port);

  // A review whose body is half sent when the shutdown begins.
  const payload = Buffer.from(JSON.stringify(loadReview('pod-create-privileged.json')));
  let answer = '';
  const inFlight = new Promise<number>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/validate', ca, servername: 'localhost', agent: false, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
      res.on('data', (c: Buffer) => (answer += c.toString()));
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.write(payload.subarray(0, 100));
    setTimeout(() => req.end(payload.subarray(100)), 300);
  });
  await new Promise((r) => setTimeout(r, 100));
  const stopped = running.shutdown('test');
  await new Promise((r) => setTimeout(r, 50));
  await t.rejects(new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/healthz', ca, servername: 'localhost', agent: false }, resolve);
    req.on('error', reject);
    req.end();
  }), { code: 'ECONNREFUSED' }, 'new connections are refused');
  t.equal(await inFlight, 200, 'the review in flight is answered');
  t.equal(JSON.parse(answer).response.allowed, false);
  await stopped;
});

t.test('SIGTERM: the serve process exits with 0', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-sigterm-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--dev-cert-dir', dir, '--policy-dir', TEST_POLICIES, '--profile', 'all', '--cluster-context', 'off', '--reload-interval', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 600 && !out.includes('webhook listening'); i++) await new Promise((r) => setTimeout(r, 50));
  t.match(out, /webhook listening/, 'started');
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exit code 0');
  t.match(out, /shutting down/);
  t.match(out, /"msg":"stopped"/);
});

t.test('--metrics-port: probes and metrics on a separate plain-HTTP port, not on the webhook port', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-ops-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const running = await startWebhook({ ...base(dir), metricsPort: 0 }, { inCluster: false });
  t.teardown(() => running.shutdown('test'));
  t.ok(running.opsUrl, 'ops server listening');
  const ready = await fetch(`${running.opsUrl!.replace('0.0.0.0', '127.0.0.1')}/readyz`);
  t.equal(ready.status, 200);
  const metrics = await (await fetch(`${running.opsUrl!.replace('0.0.0.0', '127.0.0.1')}/metrics`)).text();
  t.match(metrics, /kube_posture_config_reloads_total\{result="success",source="start"\} 1/);
  t.ok(Number(/kube_posture_policies_enabled (\d+)/.exec(metrics)?.[1]) >= 5, 'the test policies (and the built-in library) are enabled');
  const ca = await readFile(join(dir, 'tls.crt'), 'utf8');
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: Number(new URL(running.url).port), path: '/metrics', ca, servername: 'localhost', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  t.equal(status, 404, 'not on the webhook port');
});

t.test('--metrics-port without --host follows the webhook\'s address (127.0.0.1 with the development certificate)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-ops-host-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { host: _host, ...noHost } = base(dir);
  const running = await startWebhook({ ...noHost, metricsPort: 0 }, { inCluster: false });
  t.teardown(() => running.shutdown('test'));
  t.match(running.url, /^https:\/\/127\.0\.0\.1:/);
  t.match(running.opsUrl, /^http:\/\/127\.0\.0\.1:\d+$/, 'the ops server says where it listens');
  const port = new URL(running.opsUrl!).port;
  t.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  // Once it listened on 0.0.0.0: reachable through every interface of the machine.
  const external = Object.values(networkInterfaces()).flat().find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
  t.ok(external !== undefined, 'this machine has a non-loopback IPv4 address to try');
  if (external !== undefined) {
    const error = await fetch(`http://${external.address}:${port}/healthz`).then(() => undefined, (e: Error & { cause?: { code?: string } }) => e.cause?.code);
    t.equal(error, 'ECONNREFUSED', `not reachable on ${external.address}`);
  }
});
