/**
 * `/report` (the HTML page) and `/report.json` (the saved scan) on the ops port. The report names every
 * failing resource of the cluster, so by default only a client inside the pod gets it: `kubectl
 * port-forward` arrives on the pod's loopback, a Service or another pod does not (403). `any` opens it to
 * every client that reaches the port; `off` removes the routes.
 */
import type { FastifyInstance } from 'fastify';

export type ReportAccess = 'local' | 'any' | 'off';
export const REPORT_ACCESS: readonly ReportAccess[] = ['local', 'any', 'off'];

export interface ReportSource {
  /** undefined while there is nothing whole to show (the controller is not ready). */
  html(): string | undefined;
  json(): string | undefined;
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

export function addReportRoutes(app: FastifyInstance, source: ReportSource, access: ReportAccess): void {
  if (access === 'off') return;
  for (const [url, type, body] of [['/report', 'text/html; charset=utf-8', () => source.html()], ['/report.json', 'application/json; charset=utf-8', () => source.json()]] as const) {
    app.get(url, (request, reply) => {
      if (access === 'local' && !isLoopback(request.socket.remoteAddress)) {
        return reply.code(403).send({ code: 'KP_ERR_HTTP_FORBIDDEN', message: `${url} is served to the pod's own loopback only (kubectl port-forward); set --report-access any to open it` });
      }
      const text = body();
      if (text === undefined) return reply.code(503).header('retry-after', '5').send({ code: 'KP_ERR_NOT_READY', message: 'no report yet: the cluster is still being listed (see /readyz)' });
      return reply.type(type).header('cache-control', 'no-store').send(text);
    });
  }
}
