/**
 * Real HTTPS: connections that open and never send a request are closed by the server; a connection
 * that has sent a request is kept alive for the next one.
 */
import t from 'tap';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { connect as netConnect, type Socket } from 'node:net';
import { request as httpsRequest, Agent } from 'node:https';
import { generateServerCertificate } from '../../src/serving/dev-cert.js';
import { TLS_BASE } from '../../src/serving/tls-reloader.js';
import { harness, loadReview } from './fixtures/harness.js';

const closed = (socket: Socket): Promise<boolean> => new Promise((resolve) => {
  if (socket.destroyed) return resolve(true);
  socket.on('close', () => resolve(true));
  socket.on('error', () => undefined);
});
const within = <T>(p: Promise<T>, ms: number): Promise<T | 'still open'> => Promise.race([p, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms).unref())]);

t.test('silent connections are closed; a served keep-alive connection stays', async (t) => {
  const pair = await generateServerCertificate();
  const h = await harness({ server: { https: { ...TLS_BASE, cert: pair.cert, key: pair.key }, firstRequestTimeoutMs: 400 } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => h.app.close());
  const port = (h.app.server.address() as { port: number }).port;

  // Five TLS connections that finish the handshake and never send a request.
  const silent = await Promise.all(Array.from({ length: 5 }, () => new Promise<TLSSocket>((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: pair.cert, servername: 'localhost' }, () => resolve(s));
    s.on('error', reject);
  })));
  // One TCP connection that never even starts the handshake.
  const raw = netConnect({ host: '127.0.0.1', port });
  await new Promise((r) => raw.once('connect', r));

  // A keep-alive connection that sends one review.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: pair.cert });
  t.teardown(() => agent.destroy());
  let servedSocket: Socket | undefined;
  const status = await new Promise<number>((resolve, reject) => {
    const body = JSON.stringify(loadReview('pod-create-compliant.json'));
    const req = httpsRequest({ host: '127.0.0.1', port, servername: 'localhost', method: 'POST', path: '/validate', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('socket', (s) => (servedSocket = s));
    req.on('error', reject);
    req.end(body);
  });
  t.equal(status, 200);

  for (const [i, s] of silent.entries()) t.equal(await within(closed(s), 5000), true, `silent TLS connection ${i + 1} closed by the server`);
  t.equal(await within(closed(raw), 5000), true, 'a connection that never starts TLS is closed by the server');
  // Longer than the first-request timeout after its review: keep-alive, not the silent-connection rule, governs it.
  await new Promise((r) => setTimeout(r, 1000));
  t.ok(servedSocket !== undefined && !servedSocket.destroyed, 'the connection that sent a review is still open (keep-alive)');
});
