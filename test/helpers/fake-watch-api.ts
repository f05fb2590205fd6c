/**
 * A local HTTP server speaking the Kubernetes list + watch API over objects a test changes at will,
 * plus apply (PATCH), create (POST), GET and DELETE of any other path (the report objects the controller writes).
 * For behaviour the real apiserver will not produce on demand: a compacted resourceVersion (410 on
 * watch), a watch that goes silent, a kind that fails. The controller's end-to-end proof runs against
 * the real kube-apiserver (test/e2e/controller.test.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeKubeconfig } from './fake-apiserver.js';

interface Stored {
  resource: string;
  namespace: string | undefined;
  object: Record<string, unknown>;
}

interface Event {
  rv: number;
  resource: string;
  namespace: string | undefined;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Record<string, unknown>;
}

export interface FakeWatchApi {
  url: string;
  kubeconfig: string;
  /** Requests seen, as `METHOD path?query`. */
  requests: string[];
  /** Written objects (apply), by path without query. */
  written: Map<string, Record<string, unknown>>;
  /** Creates or replaces an object (`resource` as `pods`, `deployments.apps`); sends ADDED/MODIFIED to watches. */
  put(resource: string, object: Record<string, unknown>): void;
  remove(resource: string, name: string, namespace?: string): void;
  /** Forgets the event history: a watch from an older resourceVersion gets 410 Gone. */
  compact(): void;
  /** New watches are accepted and then never written to (a half-open connection). */
  silent: boolean;
  /** resource keys answered with this status (list and watch). */
  failing: Map<string, number>;
  /** Ends every open watch (as the server's timeout would). */
  endWatches(): void;
  openWatches(): number;
  close(): Promise<void>;
}

function keyOf(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}/${namespace ?? ''}/${name}`;
}

export async function startFakeWatchApi(): Promise<FakeWatchApi> {
  const objects = new Map<string, Stored>();
  let events: Event[] = [];
  let oldest = 1;
  let rv = 1;
  const watches = new Set<{ res: ServerResponse; resource: string; namespace: string | undefined }>();
  const requests: string[] = [];
  const written = new Map<string, Record<string, unknown>>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const matches = (e: { resource: string; namespace: string | undefined }, resource: string, namespace: string | undefined) => e.resource === resource && (namespace === undefined || e.namespace === namespace);

  const api: FakeWatchApi = {
    url: '',
    kubeconfig: '',
    requests,
    written,
    silent: false,
    failing: new Map(),
    put(resource, object) {
      const meta = object.metadata as { name: string; namespace?: string };
      const key = keyOf(resource, meta.namespace, meta.name);
      const type = objects.has(key) ? 'MODIFIED' : 'ADDED';
      rv++;
      const stored = { ...object, metadata: { ...meta, resourceVersion: String(rv) } };
      objects.set(key, { resource, namespace: meta.namespace, object: stored });
      const ev: Event = { rv, resource, namespace: meta.namespace, type, object: stored };
      events.push(ev);
      for (const w of watches) if (matches(ev, w.resource, w.namespace) && !api.silent) w.res.write(`${JSON.stringify({ type, object: stored })}\n`);
    },
    remove(resource, name, namespace) {
      const key = keyOf(resource, namespace, name);
      const stored = objects.get(key);
      if (!stored) return;
      objects.delete(key);
      rv++;
      const object = { ...stored.object, metadata: { ...(stored.object.metadata as object), resourceVersion: String(rv) } };
      const ev: Event = { rv, resource, namespace, type: 'DELETED', object };
      events.push(ev);
      for (const w of watches) if (matches(ev, w.resource, w.namespace) && !api.silent) w.res.write(`${JSON.stringify({ type: 'DELETED', object })}\n`);
    },
    compact() {
      events = [];
      oldest = rv + 1;
    },
    endWatches() {
      for (const w of watches) w.res.end();
      watches.clear();
    },
    openWatches: () => watches.size,
    close: () => new Promise((resolve) => {
      for (const w of watches) w.res.destroy();
      server.close(() => resolve());
    }),
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PATCH') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        written.set(url.pathname, body);
        return send(res, 200, body);
      }
      if (req.method === 'POST') {
        // Create (Events): stored under the object's name; a second create of that name is a conflict.
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata?: { name?: string } };
        const path = `${url.pathname}/${body.metadata?.name ?? ''}`;
        if (written.has(path)) return send(res, 409, { kind: 'Status', reason: 'AlreadyExists', code: 409 });
        written.set(path, body as Record<string, unknown>);
        return send(res, 201, body);
      }
      if (req.method === 'DELETE') {
        if (!written.delete(url.pathname)) return send(res, 404, { kind: 'Status', reason: 'NotFound', code: 404 });
        return send(res, 200, { kind: 'Status', status: 'Success' });
      }
      const parts = url.pathname.split('/').filter((p) => p !== '');
      const group = parts[0] === 'api' ? '' : parts[1]!;
      let rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
      let namespace: string | undefined;
      if (rest[0] === 'namespaces' && rest.length >= 3) {
        namespace = rest[1];
        rest = rest.slice(2);
      }
      const resource = group === '' ? rest[0]! : `${rest[0]}.${group}`;
      if (rest.length > 1) {
        // GET one written object
        const w = written.get(url.pathname);
        return w ? send(res, 200, w) : send(res, 404, { kind: 'Status', reason: 'NotFound', code: 404 });
      }
      const failing = api.failing.get(resource);
      if (failing !== undefined) return send(res, failing, { kind: 'Status', reason: failing === 403 ? 'Forbidden' : 'InternalError', code: failing, message: `${resource}: failing on purpose` });
      if (url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true') {
        const from = Number(url.searchParams.get('resourceVersion') ?? '0');
        res.writeHead(200, { 'content-type': 'application/json' });
        if (api.silent) {
          // Headers sent, then nothing: an open stream that says nothing.
          if (url.searchParams.get('resourceVersion') !== null) res.flushHeaders();
          watches.add({ res, resource, namespace });
          res.on('close', () => { for (const w of watches) if (w.res === res) watches.delete(w); });
          return;
        }
        if (from + 1 < oldest) {
          res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: `too old resource version: ${from} (${oldest})` } })}\n`);
          return;
        }
        for (const ev of events) if (ev.rv > from && matches(ev, resource, namespace)) res.write(`${JSON.stringify({ type: ev.type, object: ev.object })}\n`);
        const entry = { res, resource, namespace };
        watches.add(entry);
        res.on('close', () => watches.delete(entry));
        return;
      }
      // List items carry neither apiVersion nor kind, as the real API serves them.
      const all = [...objects.values()].filter((o) => matches(o, resource, namespace)).map((o) => {
        const { apiVersion: _a, kind: _k, ...item } = o.object;
        return item;
      });
      const limit = Number(url.searchParams.get('limit') ?? '0') || all.length;
      const cont = url.searchParams.get('continue');
      const offset = cont ? Number(cont) : 0;
      const next = offset + limit < all.length ? String(offset + limit) : undefined;
      send(res, 200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(rv), ...(next ? { continue: next } : {}) }, items: all.slice(offset, offset + limit) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.kubeconfig = fakeKubeconfig(api.url);
  return api;
}
