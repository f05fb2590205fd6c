/**
 * Liveness, readiness and metrics routes, shared by every long-running command: on the serving port
 * or on a separate plain-HTTP ops port (`--metrics-port`).
 */
import { fastify as Fastify, LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import { addReportRoutes, type ReportAccess, type ReportSource } from './report-routes.js';

export interface Probes {
  /** Why the process is not ready (empty when it is), and details for the readiness body. */
  readiness(): { reasons: string[]; details: Record<string, unknown> };
  metrics: MetricsRegistry;
}

export function addProbeRoutes(app: FastifyInstance, probes: Probes): void {
  // Liveness: the event loop answers. Nothing else, so a slow cluster never gets the pod restarted.
  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', (_request, reply) => {
    const { reasons, details } = probes.readiness();
    return reply.code(reasons.length === 0 ? 200 : 503).send({ ready: reasons.length === 0, reasons, ...details });
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await probes.metrics.metrics();
    return reply.type(probes.metrics.contentType).send(text);
  });
}

/** A plain-HTTP server with /healthz, /readyz and /metrics, and the controller's /report when given one. */
export function buildOpsServer(probes: Probes, logger: Logger, options: { report?: { source: ReportSource; access: ReportAccess } } = {}): FastifyInstance {
  const app = Fastify({ loggerInstance: logger.child({ component: 'ops' }), logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true }) as unknown as FastifyInstance;
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: 'KP_ERR_HTTP_NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` }));
  addProbeRoutes(app, probes);
  if (options.report) addReportRoutes(app, options.report.source, options.report.access);
  return app;
}
