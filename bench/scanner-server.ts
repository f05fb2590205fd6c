/**
 * The scanner benchmark's API server, run as its own process (so the scanner's RSS is its own): the
 * list and watch side of the Kubernetes API over the synthetic cluster of ./scanner-cluster.ts.
 *
 * - list: `limit` + `continue` paging, the list's resourceVersion, one namespace or all;
 * - get: one namespace (what `audit -n` reads);
 * - watch: from a resourceVersion, newline-delimited events, bookmarks when asked, ends after `timeoutSeconds`;
 * - report writes (`openreports.io/v1alpha1` Report and ClusterReport): server-side apply PATCH and
 *   DELETE, checked as the API server would (content type, field manager, apiVersion, kind, name and
 *   namespace agreeing with the path), counted with the times of the first and last; a list of them
 *   (with the writer's label selector) answers what was written, by name, uid label and content hash;
 * - any other resource: an empty list; any other write: 405.
 *
 * Driven over IPC by bench/scanner.ts: `change` modifies a fraction of the objects (MODIFIED events with
 * a content change), `served` tells how many list items were served since the last ask.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BASE_RESOURCE_VERSION, NAMESPACES, RESOURCES, namespaceName, namespaceOf, objectAt, type ResourceKind } from './scanner-cluster.js';

export type ServerRequest = { type: 'change'; fraction: number } | { type: 'served' } | { type: 'writes' };
/** Report writes since the last `writes` ask: counts, bytes of the applied bodies, refused ones and the first and last time. */
export interface WriteFigures { applied: number; deleted: number; refused: number; bytes: number; firstAt: number; lastAt: number; stored: number; reasons: string[] }
export type ServerMessage =
  | { type: 'ready'; url: string }
  | { type: 'changed'; count: number; byKind: Record<string, number>; at: number }
  | { type: 'served'; items: number; bytes: number; firstListAt: number }
  | ({ type: 'writes' } & WriteFigures);

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

/** Report objects written, by path: only what a list of them shows (name, namespace, uid label, content hash). */
const reports = new Map<string, { name: string; namespace: string | undefined; uid: string; hash: string }>();
let writes: WriteFigures = { applied: 0, deleted: 0, refused: 0, bytes: 0, firstAt: 0, lastAt: 0, stored: 0, reasons: [] };
const REPORTS_PREFIX = '/apis/openreports.io/v1alpha1';

/** `{namespace, resource, name}` of a report path, or undefined when it is none. */
function reportTarget(pathname: string): { namespace: string | undefined; resource: 'reports' | 'clusterreports'; name: string | undefined } | undefined {
  if (!pathname.startsWith(`${REPORTS_PREFIX}/`)) return undefined;
  const parts = pathname.slice(REPORTS_PREFIX.length + 1).split('/').map(decodeURIComponent);
  if (parts[0] === 'namespaces' && parts[2] === 'reports' && (parts.length === 3 || parts.length === 4)) return { namespace: parts[1], resource: 'reports', name: parts[3] };
  if (parts[0] === 'reports' && parts.length === 1) return { namespace: undefined, resource: 'reports', name: undefined };
  if (parts[0] === 'clusterreports' && (parts.length === 1 || parts.length === 2)) return { namespace: undefined, resource: 'clusterreports', name: parts[1] };
  return undefined;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  writes.refused++;
  if (writes.reasons.length < 5) writes.reasons.push(message);
  send(res, status, { kind: 'Status', code: status, reason: status === 404 ? 'NotFound' : 'BadRequest', message });
}

/** A report write, checked as the API server checks a server-side apply. */
function reportWrite(method: string, url: URL, target: NonNullable<ReturnType<typeof reportTarget>>, contentType: string | undefined, body: string, res: ServerResponse): void {
  const key = url.pathname;
  const at = Date.now();
  if (target.name === undefined) return refuse(res, 405, `${method} on a collection`);
  if (method === 'DELETE') {
    if (!reports.delete(key)) return refuse(res, 404, `${target.resource} "${target.name}" not found`);
    writes.deleted++;
  } else if (method === 'PATCH') {
    if (contentType !== 'application/apply-patch+yaml') return refuse(res, 415, `PATCH with ${contentType ?? 'no content type'}: only server-side apply is served`);
    if (!url.searchParams.get('fieldManager')) return refuse(res, 400, 'server-side apply needs a fieldManager');
    let object: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown; labels?: Record<string, unknown>; annotations?: Record<string, unknown> } };
    try {
      object = JSON.parse(body) as typeof object;
    } catch {
      return refuse(res, 400, 'the body is not JSON');
    }
    const kind = target.resource === 'reports' ? 'Report' : 'ClusterReport';
    if (object.apiVersion !== 'openreports.io/v1alpha1' || object.kind !== kind) return refuse(res, 400, `expected openreports.io/v1alpha1 ${kind}, got ${String(object.apiVersion)} ${String(object.kind)}`);
    if (object.metadata?.name !== target.name) return refuse(res, 400, 'metadata.name does not match the path');
    if ((object.metadata?.namespace ?? undefined) !== target.namespace) return refuse(res, 400, 'metadata.namespace does not match the path');
    const uid = object.metadata?.labels?.['kube-posture.io/resource-uid'];
    const hash = object.metadata?.annotations?.['kube-posture.io/content-hash'];
    reports.set(key, { name: target.name, namespace: target.namespace, uid: typeof uid === 'string' ? uid : '', hash: typeof hash === 'string' ? hash : '' });
    writes.applied++;
    writes.bytes += body.length;
  } else {
    return refuse(res, 405, `${method} is not served for reports`);
  }
  writes.firstAt ||= at;
  writes.lastAt = at;
  send(res, 200, method === 'DELETE' ? { kind: 'Status', status: 'Success' } : JSON.parse(body));
}

/** The reports written, as a list (what a new leader reads first). */
function reportList(target: NonNullable<ReturnType<typeof reportTarget>>, res: ServerResponse): void {
  const items: unknown[] = [];
  for (const r of reports.values()) {
    if ((target.resource === 'clusterreports') !== (r.namespace === undefined)) continue;
    if (target.namespace !== undefined && r.namespace !== target.namespace) continue;
    items.push({ metadata: { name: r.name, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), labels: { 'app.kubernetes.io/managed-by': 'kube-posture', 'kube-posture.io/resource-uid': r.uid }, annotations: { 'kube-posture.io/content-hash': r.hash } } });
  }
  send(res, 200, { kind: target.resource === 'reports' ? 'ReportList' : 'ClusterReportList', apiVersion: 'openreports.io/v1alpha1', metadata: { resourceVersion: String(rv) }, items });
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const target = reportTarget(url.pathname);
  if (req.method !== 'GET') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (target === undefined) return refuse(res, 405, `${req.method} ${url.pathname}: the benchmark server takes writes of reports only`);
      reportWrite(req.method ?? '', url, target, req.headers['content-type'], Buffer.concat(chunks).toString('utf8'), res);
    });
    return;
  }
  req.resume();
  if (target !== undefined && target.name === undefined && url.searchParams.get('watch') === null) return reportList(target, res);
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
  } else if (m.type === 'writes') {
    process.send!({ type: 'writes', ...writes, stored: reports.size } satisfies ServerMessage);
    writes = { applied: 0, deleted: 0, refused: 0, bytes: 0, firstAt: 0, lastAt: 0, stored: 0, reasons: [] };
  } else if (m.type === 'served') {
    process.send!({ type: 'served', items: servedItems, bytes: servedBytes, firstListAt } satisfies ServerMessage);
    servedItems = 0;
    servedBytes = 0;
    firstListAt = 0;
  }
});
process.on('disconnect', () => process.exit(0));
