/**
 * The scanner benchmark's API server, run as its own process (so the scanner's RSS is its own): the
 * list and watch side of the Kubernetes API over the synthetic cluster of ./scanner-cluster.ts.
 *
 * - list: `limit` + `continue` paging, the list's resourceVersion, one namespace or all;
 * - get: one namespace (what `audit -n` reads);
 * - watch: from a resourceVersion, newline-delimited events, bookmarks when asked, ends after `timeoutSeconds`;
 * - any other resource: an empty list; PATCH/DELETE (report writes): accepted and dropped.
 *
 * Driven over IPC by bench/scanner.ts: `change` modifies a fraction of the objects (MODIFIED events with
 * a content change), `served` tells how many list items were served since the last ask.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BASE_RESOURCE_VERSION, NAMESPACES, RESOURCES, namespaceName, namespaceOf, objectAt, type ResourceKind } from './scanner-cluster.js';

export type ServerRequest = { type: 'change'; fraction: number } | { type: 'served' };
export type ServerMessage =
  | { type: 'ready'; url: string }
  | { type: 'changed'; count: number; byKind: Record<string, number>; at: number }
  | { type: 'served'; items: number; bytes: number; firstListAt: number };

interface Change {
  rv: number;
  resource: ResourceKind;
  index: number;
}

const byKey = new Map(RESOURCES.map((r) => [r.key, r]));
/** revision and resourceVersion of changed objects, by `key:index`. */
const changed = new Map<string, { revision: number; rv: number }>();
const events: Change[] = [];
let rv = BASE_RESOURCE_VERSION;
let servedItems = 0;
let servedBytes = 0;
/** When the first list page since the last `served` was asked for: where a scan's clock starts. */
let firstListAt = 0;
const watches = new Set<{ res: ServerResponse; resource: string; namespace: string | undefined }>();

function current(resource: ResourceKind, i: number): Record<string, unknown> {
  const c = changed.get(`${resource.key}:${i}`);
  return objectAt(resource.key, i, c?.revision ?? 0, c?.rv ?? BASE_RESOURCE_VERSION);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  servedBytes += text.length;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

function eventLine(type: string, resource: ResourceKind, object: Record<string, unknown>): string {
  return `${JSON.stringify({ type, object: { apiVersion: resource.apiVersion, kind: resource.kind, ...object } })}\n`;
}

/** Modifies every (1/fraction)-th object that is not a Namespace (a namespace's labels changing is a relist of everything, measured apart). */
function change(fraction: number): { count: number; byKind: Record<string, number> } {
  const step = Math.max(1, Math.round(1 / fraction));
  const byKind: Record<string, number> = {};
  let n = 0;
  let count = 0;
  for (const resource of RESOURCES) {
    for (let i = 0; i < resource.count; i++, n++) {
      if (resource.kind === 'Namespace' || n % step !== 0) continue;
      const key = `${resource.key}:${i}`;
      const revision = (changed.get(key)?.revision ?? 0) + 1;
      rv++;
      changed.set(key, { revision, rv });
      events.push({ rv, resource, index: i });
      byKind[resource.kind] = (byKind[resource.kind] ?? 0) + 1;
      count++;
      const ns = namespaceOf(resource.key, i);
      let line: string | undefined;
      for (const w of watches) {
        if (w.resource !== resource.key || (w.namespace !== undefined && w.namespace !== ns)) continue;
        line ??= eventLine('MODIFIED', resource, current(resource, i));
        w.res.write(line);
      }
    }
  }
  return { count, byKind };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  req.resume();
  if (req.method === 'PATCH' || req.method === 'DELETE' || req.method === 'POST' || req.method === 'PUT') {
    req.on('end', () => send(res, 200, { kind: 'Status', status: 'Success' }));
    return;
  }
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const group = parts[0] === 'api' ? '' : parts[1] ?? '';
  let rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length === 2 && group === '') {
    const n = Number.parseInt(rest[1]!.replace(/^team-/, ''), 16);
    if (rest[1] !== namespaceName(n) || n >= NAMESPACES) return send(res, 404, { kind: 'Status', code: 404, reason: 'NotFound', message: `namespaces "${rest[1]}" not found` });
    return send(res, 200, { apiVersion: 'v1', kind: 'Namespace', ...current(byKey.get('namespaces')!, n) });
  }
  if (rest.length !== 1) return send(res, 404, { kind: 'Status', code: 404, reason: 'NotFound', message: `${url.pathname} not found` });
  const key = group === '' ? rest[0]! : `${rest[0]}.${group}`;
  const resource = byKey.get(key);
  if (url.searchParams.get('labelSelector')) return send(res, 400, { kind: 'Status', code: 400, reason: 'BadRequest', message: 'the benchmark server does not filter by label' });

  if (url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true') {
    const from = Number(url.searchParams.get('resourceVersion') ?? rv);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    if (resource !== undefined) {
      for (const e of events) {
        if (e.rv <= from || e.resource !== resource || (namespace !== undefined && namespaceOf(key, e.index) !== namespace)) continue;
        res.write(eventLine('MODIFIED', resource, current(resource, e.index)));
      }
    }
    const entry = { res, resource: key, namespace };
    watches.add(entry);
    const bookmarks = url.searchParams.get('allowWatchBookmarks') === 'true'
      ? setInterval(() => res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: resource?.kind ?? 'List', apiVersion: resource?.apiVersion ?? 'v1', metadata: { resourceVersion: String(rv) } } })}\n`), 10_000)
      : undefined;
    const timeout = setTimeout(() => res.end(), Number(url.searchParams.get('timeoutSeconds') ?? 1800) * 1000);
    res.on('close', () => {
      watches.delete(entry);
      clearTimeout(timeout);
      if (bookmarks) clearInterval(bookmarks);
    });
    return;
  }

  const listRv = String(rv);
  if (firstListAt === 0) firstListAt = Date.now();
  if (resource === undefined) return send(res, 200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: listRv }, items: [] });
  const limit = Math.max(1, Number(url.searchParams.get('limit') ?? '0') || resource.count);
  const token = url.searchParams.get('continue');
  let i = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  const items: Record<string, unknown>[] = [];
  for (; i < resource.count && items.length < limit; i++) {
    if (namespace !== undefined && namespaceOf(key, i) !== namespace) continue;
    items.push(current(resource, i));
  }
  servedItems += items.length;
  const next = i < resource.count ? Buffer.from(String(i)).toString('base64url') : undefined;
  send(res, 200, { kind: `${resource.kind}List`, apiVersion: resource.apiVersion, metadata: { resourceVersion: listRv, ...(next ? { continue: next } : {}) }, items });
});

server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (process.send) process.send({ type: 'ready', url } satisfies ServerMessage);
  else process.stdout.write(`listening on ${url}\n`);
});

process.on('message', (m: ServerRequest) => {
  if (m.type === 'change') {
    const at = Date.now();
    const r = change(m.fraction);
    process.send!({ type: 'changed', ...r, at } satisfies ServerMessage);
  } else if (m.type === 'served') {
    process.send!({ type: 'served', items: servedItems, bytes: servedBytes, firstListAt } satisfies ServerMessage);
    servedItems = 0;
    servedBytes = 0;
    firstListAt = 0;
  }
});
process.on('disconnect', () => process.exit(0));
