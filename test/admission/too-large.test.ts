/**
 * Real HTTPS, real clients: a body over the limit announced by Content-Length gets its 413 back,
 * rather than a socket closed under the client's write (EPIPE, "socket hang up", SSL EOF).
 */
import t from 'tap';
import { request as httpsRequest } from 'node:https';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { generateServerCertificate } from '../../src/serving/dev-cert.js';
import { TLS_BASE } from '../../src/serving/tls-reloader.js';
import { harness } from './fixtures/harness.js';

const LIMIT = 1024 * 1024;

function post(port: number, ca: string, size: number): Promise<{ status?: number; body?: string; error?: string }> {
  const payload = Buffer.alloc(size, 'x');
  return new Promise((resolve) => {
    const req = httpsRequest({ host: '127.0.0.1', port, servername: 'localhost', method: 'POST', path: '/validate', ca, agent: false, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    });
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    // Written in chunks, as a client streams a large body.
    let off = 0;
    const write = (): void => {
      while (off < payload.length) {
        const chunk = payload.subarray(off, off + 64 * 1024);
        off += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

t.test('413 reaches Node and Python clients that send the whole oversized body', async (t) => {
  const pair = await generateServerCertificate();
  const h = await harness({ server: { https: { ...TLS_BASE, cert: pair.cert, key: pair.key }, bodyLimit: LIMIT } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => h.app.close());
  const port = (h.app.server.address() as { port: number }).port;

  for (const size of [LIMIT + 1, 4 * LIMIT]) {
    const answer = await post(port, pair.cert, size);
    t.equal(answer.status, 413, `Node client, ${size} bytes: ${answer.error ?? answer.status}`);
    t.match(answer.body ?? '', /KP_ERR_REVIEW_TOO_LARGE/);
  }
  const ok = await post(port, pair.cert, 100);
  t.equal(ok.status, 400, 'the server still answers afterwards (a malformed small body: 400)');

  // Asynchronous: the server runs in this process.
  const python = await promisify(execFile)('python3', ['-c', `
import http.client, ssl, sys
ctx = ssl.create_default_context(cadata=sys.argv[2])
c = http.client.HTTPSConnection('127.0.0.1', int(sys.argv[1]), context=ctx)
c.request('POST', '/validate', body=b'x' * (4 * ${LIMIT}), headers={'Content-Type': 'application/json'})
print(c.getresponse().status)
`, String(port), pair.cert], { encoding: 'utf8' }).catch((e: { stdout: string; stderr: string }) => ({ stdout: e.stdout, stderr: e.stderr }));
  t.equal(python.stdout.trim(), '413', `Python http.client: ${python.stdout.trim() || python.stderr.trim().split('\n').at(-1)}`);
});
