/**
 * Real HTTPS: a listening server on 127.0.0.1:0, real certificates, node's https client.
 */
import t from 'tap';
import { request as httpsRequest, Agent } from 'node:https';
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { generateServerCertificate } from '../../src/serving/dev-cert.js';
import { readTlsMaterial, startTlsReloader, TLS_BASE } from '../../src/serving/tls-reloader.js';
import { harness, loadReview } from './fixtures/harness.js';

async function makeCa(cn: string): Promise<{ cert: string; key: string }> {
  const ca = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true }],
  });
  return { cert: ca.cert, key: ca.private };
}

interface Answer { status: number; body: string; fingerprint: string }

function send(port: number, options: { ca: string; agent?: Agent | false; cert?: string; key?: string; payload?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.payload ?? JSON.stringify(loadReview('pod-create-compliant.json'));
    const req = httpsRequest({
      host: '127.0.0.1', port, method: 'POST', path: '/validate?timeout=10s',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      ca: options.ca, servername: 'localhost', agent: options.agent ?? false,
      ...(options.cert ? { cert: options.cert, key: options.key } : {}),
    }, (res) => {
      // Read now: a keep-alive socket goes back to the agent's pool once the response ends.
      const fingerprint = (res.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '';
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), fingerprint }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Writes a Secret-style mount: tls.crt -> ..data/tls.crt, ..data -> ..<version>/ (what kubelet does). */
async function writeMount(dir: string, version: string, pair: { cert: string; key: string }): Promise<void> {
  const v = join(dir, `..${version}`);
  await mkdir(v);
  await writeFile(join(v, 'tls.crt'), pair.cert);
  await writeFile(join(v, 'tls.key'), pair.key);
  // Atomic swap of the ..data symlink, like kubelet's AtomicWriter.
  await symlink(`..${version}`, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
}

t.test('certificate rotation while requests flow: none fails, the new certificate is served afterwards', async (t) => {
  const ca = await makeCa('rotation test CA');
  const first = await generateServerCertificate({ ca, commonName: 'first' });
  const second = await generateServerCertificate({ ca, commonName: 'second' });
  const dir = await mkdtemp(join(tmpdir(), 'kp-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeMount(dir, 'v1', first);
  await symlink('..data/tls.crt', join(dir, 'tls.crt'));
  await symlink('..data/tls.key', join(dir, 'tls.key'));
  const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };

  const material = await readTlsMaterial(files);
  const h = await harness({ server: { https: { ...TLS_BASE, cert: material.cert, key: material.key } } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => h.app.close());
  const port = (h.app.server.address() as { port: number }).port;
  let reloads = 0;
  const reloader = startTlsReloader(h.app.server as never, files, material, { logger: h.deps.logger, debounceMs: 20, intervalMs: 100, onResult: (ok) => ok && reloads++ });
  t.teardown(() => reloader.close());

  const fpFirst = new X509Certificate(first.cert).fingerprint256;
  const fpSecond = new X509Certificate(second.cert).fingerprint256;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });
  t.teardown(() => keepAlive.destroy());

  // Traffic: keep-alive requests and fresh connections, until a fresh connection sees the new certificate.
  const answers: Answer[] = [];
  const failures: unknown[] = [];
  let rotated = false;
  let sawNew = false;
  const traffic = (async () => {
    for (let i = 0; i < 4000 && !sawNew; i++) {
      const batch = await Promise.allSettled([
        send(port, { ca: ca.cert, agent: keepAlive }),
        send(port, { ca: ca.cert, agent: keepAlive }),
        send(port, { ca: ca.cert }),
      ]);
      for (const r of batch) {
        if (r.status === 'rejected') failures.push(r.reason);
        else answers.push(r.value);
      }
      const fresh = batch[2];
      if (rotated && fresh.status === 'fulfilled' && fresh.value.fingerprint === fpSecond) sawNew = true;
      await new Promise((r) => setImmediate(r));
    }
  })();
  while (answers.length < 30) await new Promise((r) => setTimeout(r, 5));
  await writeMount(dir, 'v2', second);
  rotated = true;
  await traffic;

  t.same(failures, [], 'no request failed');
  t.ok(answers.every((a) => a.status === 200 && JSON.parse(a.body).response.allowed === true), `all ${answers.length} answers were 200 reviews`);
  t.ok(answers.some((a) => a.fingerprint === fpFirst), 'the first certificate was served before');
  t.ok(sawNew, 'a new connection gets the new certificate');
  t.equal(reloads, 1, 'one reload');
});

t.test('a client certificate is required when a client CA is configured', async (t) => {
  const serverCa = await makeCa('server CA');
  const clientCa = await makeCa('client CA');
  const otherCa = await makeCa('other CA');
  const serving = await generateServerCertificate({ ca: serverCa });
  const clientPems = async (ca: { cert: string; key: string }) => {
    const c = await generate([{ name: 'commonName', value: 'kube-apiserver' }], { keyType: 'ec', algorithm: 'sha256', ca, extensions: [{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true }, { name: 'extKeyUsage', clientAuth: true }] });
    return { cert: c.cert, key: c.private };
  };
  const good = await clientPems(clientCa);
  const stranger = await clientPems(otherCa);

  const h = await harness({ server: { https: { ...TLS_BASE, cert: serving.cert, key: serving.key, ca: clientCa.cert, requestCert: true, rejectUnauthorized: true } } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => h.app.close());
  const port = (h.app.server.address() as { port: number }).port;

  await t.rejects(send(port, { ca: serverCa.cert }), 'no client certificate: the handshake fails');
  await t.rejects(send(port, { ca: serverCa.cert, ...stranger }), 'a certificate from another CA: the handshake fails');
  const ok = await send(port, { ca: serverCa.cert, ...good });
  t.equal(ok.status, 200, 'a certificate signed by the client CA: 200');
  t.equal(JSON.parse(ok.body).response.allowed, true);
});

t.test('TLS 1.1 is refused; a key that does not match the certificate is rejected at load', async (t) => {
  const pair = await generateServerCertificate();
  const h = await harness({ server: { https: { ...TLS_BASE, cert: pair.cert, key: pair.key } } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => h.app.close());
  const port = (h.app.server.address() as { port: number }).port;
  await t.rejects(new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/healthz', ca: pair.cert, servername: 'localhost', maxVersion: 'TLSv1.1', minVersion: 'TLSv1', agent: false }, resolve);
    req.on('error', reject);
    req.end();
  }), 'TLS 1.1 handshake fails');
  t.equal((await send(port, { ca: pair.cert })).status, 200, 'TLS 1.2+ works');

  const other = await generateServerCertificate();
  const dir = await mkdtemp(join(tmpdir(), 'kp-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'tls.crt'), pair.cert);
  await writeFile(join(dir, 'tls.key'), other.key);
  await t.rejects(readTlsMaterial({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') }), { code: 'KP_ERR_TLS' });
});
