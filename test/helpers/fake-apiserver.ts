/**
 * A local HTTP server that speaks the read side of the Kubernetes API (list with limit/continue and
 * labelSelector, get one namespace) over an in-memory set of objects. For adapter tests of behaviour a
 * real apiserver will not produce on demand (an expired continue token, a 403 on one kind) and for
 * the scanner benchmark. End-to-end tests use the real kube-apiserver (test/e2e).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A kubeconfig for a fake API server on plain HTTP (client-node allows http only with skip-TLS-verify). */
export function fakeKubeconfig(url: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster: {server: "${url}", insecure-skip-tls-verify: true}
users:
- name: test
  user: {token: test-token}
contexts:
- name: fake-context
  context: {cluster: fake, user: test}
current-context: fake-context
`;
}

export interface FakeObject {
  /** `pods`, `deployments.apps`, ... (resource.group) */
  resource: string;
  namespace?: string;
  object: Record<string, unknown>;
}

export interface FakeApiOptions {
  /** resource.group keys answered with 403. */
  forbidden?: Set<string>;
  /** resource.group keys whose first `continue` request is answered 410 Gone (an expired token). */
  expireContinueOnce?: Set<string>;
  /** resource.group keys answered with 404, as the API server answers a resource no CRD serves. */
  notServed?: Set<string>;
}

export interface FakeApi {
  url: string;
  /** Requests seen, as `path?query`. */
  requests: string[];
  kubeconfig: string;
  close(): Promise<void>;
}

function matches(selector: string | null, labels: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels?.[k!.trim()] === v?.trim();
  });
}

export async function startFakeApi(objects: FakeObject[], options: FakeApiOptions = {}): Promise<FakeApi> {
  const requests: string[] = [];
  const expired = new Set<string>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const parts = url.pathname.split('/').filter((p) => p !== '');
    // /api/v1/... or /apis/<group>/<version>/...
    const group = parts[0] === 'api' ? '' : parts[1]!;
    let rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    } else if (rest[0] === 'namespaces' && rest.length === 2) {
      const ns = objects.find((o) => o.resource === 'namespaces' && (o.object.metadata as { name: string }).name === rest[1]);
      return ns ? send(200, ns.object) : send(404, { kind: 'Status', reason: 'NotFound', message: `namespaces "${rest[1]}" not found` });
    }
    const key = group === '' ? rest[0]! : `${rest[0]}.${group}`;
    if (options.notServed?.has(key)) return send(404, { kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' });
    if (options.forbidden?.has(key)) return send(403, { kind: 'Status', reason: 'Forbidden', message: `${key} is forbidden: User "test" cannot list resource` });
    const cont = url.searchParams.get('continue');
    if (cont && options.expireContinueOnce?.has(key) && !expired.has(key)) {
      expired.add(key);
      return send(410, { kind: 'Status', reason: 'Expired', message: 'The provided continue parameter is too old' });
    }
    const all = objects.filter((o) => o.resource === key && (namespace === undefined || o.namespace === namespace) && matches(url.searchParams.get('labelSelector'), (o.object.metadata as { labels?: Record<string, string> }).labels));
    const limit = Number(url.searchParams.get('limit') ?? '0') || all.length;
    const offset = cont ? Number(Buffer.from(cont, 'base64').toString()) : 0;
    const page = all.slice(offset, offset + limit);
    const next = offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64') : undefined;
    // List items carry neither apiVersion nor kind, as the real API serves them.
    const items = page.map((o) => {
      const { apiVersion: _a, kind: _k, ...item } = o.object;
      return item;
    });
    send(200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '100', ...(next ? { continue: next } : {}) }, items });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const kubeconfig = fakeKubeconfig(url);
  return { url, requests, kubeconfig, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
