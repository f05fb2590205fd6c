/**
 * A small read client for the Kubernetes API: GET with the kubeconfig's credentials, and paged lists.
 *
 * Why not client-node's generated APIs or informers: a live scan lists every kind the policies inspect,
 * page by page, and must hold one page at a time; the generated clients deserialize into class
 * instances (a copy of every object) and 1.x informers keep full objects. Credentials, TLS and exec
 * plugins come from ./kubeconfig.ts (`KubeAccess.apply`), which does not load client-node at all.
 */
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { errorMessage } from '../core/errors.js';
import type { KnownKind } from '../core/kinds.js';
import type { KubeAccess } from './kubeconfig.js';

/** An API answer that was not 2xx. `status` 0 is a transport failure (connection refused, TLS). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
  }
}

export interface ApiClient {
  /** GETs a path (with query) and parses the JSON body; throws ApiError on a non-2xx answer. */
  getJson(path: string): Promise<unknown>;
  /**
   * Sends a request with an optional JSON body (`contentType` defaults to application/json; server-side
   * apply takes `application/apply-patch+yaml`, of which JSON is a subset) and parses the JSON answer.
   */
  request(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, contentType?: string): Promise<unknown>;
  /**
   * Opens a watch (a GET that streams one JSON event per line) and yields each event as it arrives. Ends
   * when the server closes the stream; throws ApiError on a non-2xx answer, a line over the size bound,
   * or no bytes for `idleMs` (a watch that went quiet is restarted by its caller, never waited on forever).
   */
  watch(path: string, options: { idleMs: number; signal?: AbortSignal }): AsyncGenerator<WatchEvent>;
  /** Where the client points, for messages (`https://host:6443`). */
  readonly server: string;
}

/** One watch event as the API sends it. `ERROR` carries a Status in `object`; `BOOKMARK` only a resourceVersion. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

/** Largest body a single GET may return; a page of 500 large objects stays far below it. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Largest single watch event (an object is at most 1.5 MiB in etcd; a little room for the envelope). */
const MAX_EVENT_BYTES = 4 * 1024 * 1024;

export function apiClientFor(kc: KubeAccess, options: { timeoutMs?: number } = {}): ApiClient {
  const base = new URL(kc.server);
  const timeoutMs = options.timeoutMs ?? 60_000;
  // Connections kept open between requests (a list is hundreds of pages; reports are written one by
  // one): the client's own agent, not Node's global one, so that its sockets end with the client.
  const agent = base.protocol === 'http:' ? new HttpAgent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true });
  const open = async (method: string, path: string, body: string | undefined, contentType: string | undefined): Promise<RequestOptions> => {
    const opts: RequestOptions = {
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      path: `${base.pathname.replace(/\/$/, '')}${path}`,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
    };
    opts.agent = agent;
    try {
      await kc.apply(opts);
    } catch (err) {
      // A token file gone, an exec plugin failing: a transport-level failure the callers retry.
      throw new ApiError(0, 'Credentials', `${method} ${path}: no credentials: ${errorMessage(err)}`);
    }
    return opts;
  };
  const send = async (method: string, path: string, payload?: unknown, contentType?: string, retried = false): Promise<unknown> => {
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    const opts = await open(method, path, body, contentType);
    return new Promise((resolve, reject) => {
      const req = (base.protocol === 'http:' ? httpRequest : httpsRequest)(opts, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy(new ApiError(0, 'TooLarge', `answer to ${method} ${path} is larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            reject(new ApiError(status, 'BadBody', `${method} ${path}: HTTP ${status}, body is not JSON`));
            return;
          }
          if (status >= 200 && status < 300) resolve(parsed);
          else reject(statusError(method, path, status, parsed));
        });
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new ApiError(0, 'Timeout', `${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => {
        // A kept-alive connection the server closed as this request went out (its idle timeout): the
        // request never reached it, so it is sent once more on a new connection (not a POST: it may have).
        if (!retried && req.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET' && method !== 'POST') {
          send(method, path, payload, contentType, true).then(resolve, reject);
          return;
        }
        reject(err instanceof ApiError ? err : new ApiError(0, 'Transport', `${method} ${path}: ${err.message}`));
      });
      req.end(body);
    });
  };
  return {
    server: base.origin,
    getJson: (path) => send('GET', path),
    request: (method, path, body, contentType) => send(method, path, body, contentType),
    async *watch(path, { idleMs, signal }) {
      const opts = await open('GET', path, undefined, undefined);
      const req = (base.protocol === 'http:' ? httpRequest : httpsRequest)({ ...opts, ...(signal ? { signal } : {}) });
      // Quiet past idleMs (before the answer's headers too): the stream is torn down and the caller
      // starts a new watch. A socket inactivity timeout, so every event or bookmark resets it.
      let idle = false;
      const idleError = () => new ApiError(0, 'Idle', `watch ${path}: no event for ${idleMs} ms`);
      req.setTimeout(idleMs, () => {
        idle = true;
        req.destroy(idleError());
      });
      const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        req.on('response', resolve);
        req.on('error', (err) => reject(err instanceof ApiError ? err : new ApiError(0, 'Transport', `watch ${path}: ${err.message}`)));
        req.end();
      });
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          parsed = {};
        }
        throw statusError('watch', path, status, parsed);
      }
      let pending: Buffer[] = [];
      let pendingSize = 0;
      try {
        for await (const chunk of res) {
          let buf = chunk as Buffer;
          let nl: number;
          while ((nl = buf.indexOf(10)) !== -1) {
            const line = Buffer.concat([...pending, buf.subarray(0, nl)]);
            pending = [];
            pendingSize = 0;
            buf = buf.subarray(nl + 1);
            if (line.length === 0) continue;
            yield parseEvent(line, path);
          }
          if (buf.length > 0) {
            pendingSize += buf.length;
            if (pendingSize > MAX_EVENT_BYTES) throw new ApiError(0, 'TooLarge', `watch ${path}: an event is larger than ${MAX_EVENT_BYTES} bytes`);
            pending.push(buf);
          }
        }
      } catch (err) {
        if (idle) throw idleError();
        if (err instanceof ApiError) throw err;
        throw new ApiError(0, 'Transport', `watch ${path}: ${(err as Error).message}`);
      } finally {
        req.destroy();
      }
    },
  };
}

function parseEvent(line: Buffer, path: string): WatchEvent {
  let e: unknown;
  try {
    e = JSON.parse(line.toString('utf8'));
  } catch {
    throw new ApiError(0, 'BadBody', `watch ${path}: an event is not JSON`);
  }
  const ev = e as { type?: unknown; object?: unknown };
  if (typeof ev.type !== 'string' || !['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'].includes(ev.type) || ev.object === null || typeof ev.object !== 'object') {
    throw new ApiError(0, 'BadBody', `watch ${path}: an event without a known type and an object`);
  }
  return { type: ev.type as WatchEvent['type'], object: ev.object as Record<string, unknown> };
}

function statusError(method: string, path: string, status: number, body: unknown): ApiError {
  const st = (body ?? {}) as { reason?: unknown; message?: unknown };
  return new ApiError(status, typeof st.reason === 'string' ? st.reason : `HTTP${status}`, `${method} ${path}: HTTP ${status}${typeof st.message === 'string' ? `: ${st.message}` : ''}`);
}

/** The REST path of a kind's collection, in one namespace or across all. */
export function collectionPath(kind: KnownKind, namespace?: string): string {
  const version = kind.versions[0]!;
  const prefix = kind.group === '' ? `/api/${version}` : `/apis/${kind.group}/${version}`;
  return kind.namespaced && namespace !== undefined ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${kind.resource}` : `${prefix}/${kind.resource}`;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  /** Objects per page (`limit`); the server may return fewer. */
  pageSize?: number;
  /**
   * Told the list's resourceVersion (the snapshot every page belongs to), from which a watch continues
   * without missing or repeating a change. Called again when an expired list restarts.
   */
  onResourceVersion?: (resourceVersion: string) => void;
}

/**
 * Lists a kind page by page (`limit` + `continue`), yielding each object with its apiVersion and kind
 * set (list items carry neither). Only one page is held at a time. A `continue` token that expired
 * (410 Gone) restarts the list from the beginning once, as kubectl does; objects already yielded are
 * not yielded again, by uid.
 */
export async function* listObjects(api: ApiClient, kind: KnownKind, options: ListOptions = {}): AsyncGenerator<Record<string, unknown>> {
  const apiVersion = kind.group === '' ? kind.versions[0]! : `${kind.group}/${kind.versions[0]!}`;
  const path = collectionPath(kind, options.namespace);
  const pageSize = options.pageSize ?? 500;
  let token: string | undefined;
  let restarted = false;
  const seen = new Set<string>();
  for (;;) {
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (token) q.set('continue', token);
    if (options.labelSelector) q.set('labelSelector', options.labelSelector);
    let page: { items?: unknown[]; metadata?: { continue?: string; resourceVersion?: string } };
    try {
      page = (await api.getJson(`${path}?${q.toString()}`)) as typeof page;
    } catch (err) {
      if (err instanceof ApiError && err.status === 410 && token !== undefined && !restarted) {
        restarted = true;
        token = undefined;
        continue;
      }
      throw err;
    }
    if (token === undefined && typeof page.metadata?.resourceVersion === 'string') options.onResourceVersion?.(page.metadata.resourceVersion);
    for (const item of page.items ?? []) {
      if (item === null || typeof item !== 'object') continue;
      const o = item as Record<string, unknown>;
      const uid = (o.metadata as { uid?: unknown } | undefined)?.uid;
      if (restarted && typeof uid === 'string') {
        if (seen.has(uid)) continue;
      }
      if (typeof uid === 'string' && !restarted) seen.add(uid);
      o.apiVersion = apiVersion;
      o.kind = kind.kind;
      yield o;
    }
    token = page.metadata?.continue || undefined;
    if (token === undefined) return;
  }
}
