/**
 * A real HTTP receiver for alert sinks, started in the test: it records every request (headers and
 * parsed body) and answers as told (a status per request number, with headers), or never answers.
 */
import { request as httpsRequest } from 'node:https';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
}

export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url: string;
  requests: Received[];
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(answer: (n: number, r: Received) => Answer = () => ({ status: 200 })): Promise<Receiver> {
  const requests: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const r: Received = { path: req.url ?? '', headers: req.headers, raw, body: raw === '' ? undefined : JSON.parse(raw) as unknown };
      requests.push(r);
      const a = answer(requests.length, r);
      for (const w of waiters.filter((w) => requests.length >= w.n)) w.resolve();
      if (a === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor: (n) => (requests.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    close: () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL where nothing listens: a port that was free a moment ago. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** The value of a counter or gauge with exactly these labels (0 when never set). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name) as Counter | undefined;
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  const found = values.find((v) => Object.keys(labels).length === Object.keys(v.labels).length && Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val));
  return found?.value ?? 0;
}

/** An AdmissionReview POSTed to a webhook started by the test (its development CA), the answer parsed. */
export function review(url: string, ca: string, body: unknown): Promise<Record<string, any>> {
  const payload = Buffer.from(JSON.stringify(body));
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: u.hostname, port: u.port, method: 'POST', path: `${u.pathname}?timeout=10s`, ca, servername: 'localhost', agent: false, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(JSON.parse(text) as Record<string, any>));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
