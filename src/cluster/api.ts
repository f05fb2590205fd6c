/**
 * A small read client for the Kubernetes API: GET with the kubeconfig's credentials, and paged lists.
 *
 * Why not client-node's generated APIs or informers: a live scan lists every kind the policies inspect,
 * page by page, and must hold one page at a time; the generated clients deserialize into class
 * instances (a copy of every object) and 1.x informers keep full objects. Credentials, TLS and exec
 * plugins still come from client-node's KubeConfig (`applyToHTTPSOptions`).
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import type * as k8s from '@kubernetes/client-node';
import type { KnownKind } from '../core/kinds.js';

/** An API answer that was not 2xx. `status` 0 is a transport failure (connection refused, TLS). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
  }
}

export interface ApiClient {
  /** GETs a path (with query) and parses the JSON body; throws ApiError on a non-2xx answer. */
  getJson(path: string): Promise<unknown>;
  /** Where the client points, for messages (`https://host:6443`). */
  readonly server: string;
}

/** Largest body a single GET may return; a page of 500 large objects stays far below it. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function apiClientFor(kc: k8s.KubeConfig, options: { timeoutMs?: number } = {}): ApiClient {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  const base = new URL(cluster.server);
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    server: base.origin,
    async getJson(path: string): Promise<unknown> {
      const opts: RequestOptions = {
        method: 'GET',
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port,
        path: `${base.pathname.replace(/\/$/, '')}${path}`,
        headers: { accept: 'application/json' },
      };
      await kc.applyToHTTPSOptions(opts);
      return new Promise((resolve, reject) => {
        const req = (base.protocol === 'http:' ? httpRequest : httpsRequest)(opts, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) {
              req.destroy(new ApiError(0, 'TooLarge', `answer to GET ${path} is larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let body: unknown;
            try {
              body = JSON.parse(text);
            } catch {
              reject(new ApiError(status, 'BadBody', `GET ${path}: HTTP ${status}, body is not JSON`));
              return;
            }
            if (status >= 200 && status < 300) resolve(body);
            else {
              const st = body as { reason?: string; message?: string };
              reject(new ApiError(status, typeof st.reason === 'string' ? st.reason : `HTTP${status}`, `GET ${path}: HTTP ${status}${typeof st.message === 'string' ? `: ${st.message}` : ''}`));
            }
          });
          res.on('error', reject);
        });
        req.setTimeout(timeoutMs, () => req.destroy(new ApiError(0, 'Timeout', `GET ${path}: no answer within ${timeoutMs} ms`)));
        req.on('error', (err) => reject(err instanceof ApiError ? err : new ApiError(0, 'Transport', `GET ${path}: ${err.message}`)));
        req.end();
      });
    },
  };
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
    let page: { items?: unknown[]; metadata?: { continue?: string } };
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
