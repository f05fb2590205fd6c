import t from 'tap';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { apiClientFor } from './api.js';
import { kubeAccessFromString } from './kubeconfig.js';

/**
 * A server that, like one whose keep-alive timeout ran out just as a request went out, closes a kept
 * connection on its second request without answering. Records requests and counts connections.
 */
async function closingServer(t: { teardown(fn: () => unknown): void }): Promise<{ url: string; requests: string[]; connections: () => number }> {
  const served = new WeakMap<Socket, number>();
  const requests: string[] = [];
  let connections = 0;
  const server = createServer((req: IncomingMessage, res) => {
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    if (n === 2) {
      req.socket.destroy();
      return;
    }
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, connections: () => connections };
}

const kubeconfig = (url: string) => `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;

t.test('a kept-alive connection closed by the server as a request goes out: the request is sent again on a new one', async (t) => {
  const server = await closingServer(t);
  const api = apiClientFor(kubeAccessFromString(kubeconfig(server.url)));
  t.same(await api.getJson('/api/v1/pods?limit=1'), { ok: true });
  // The second request goes out on the kept connection, which the server closes unanswered.
  t.same(await api.getJson('/api/v1/pods?limit=1&continue=x'), { ok: true }, 'answered, not a "socket hang up" (which made a list start over)');
  t.same(server.requests, ['GET /api/v1/pods?limit=1', 'GET /api/v1/pods?limit=1&continue=x', 'GET /api/v1/pods?limit=1&continue=x']);
  t.equal(server.connections(), 2, 'the first connection was kept for the second request');
});

t.test('a POST is not sent twice: it may have been received', async (t) => {
  const server = await closingServer(t);
  const api = apiClientFor(kubeAccessFromString(kubeconfig(server.url)));
  await api.getJson('/a');
  await t.rejects(api.request('POST', '/b', { x: 1 }), { status: 0, reason: 'Transport', message: /socket hang up/ });
  t.same(server.requests, ['GET /a', 'POST /b']);
});
