/**
 * The admission webhook's HTTP layer. `buildServer` wires routes onto a Fastify instance and never
 * listens: tests drive it with `inject()`, `kube-posture serve` calls `listen`.
 *
 * The review route only translates (AdmissionReview -> EvaluationInput -> evaluate/decide ->
 * AdmissionReview); what is compliant is decided in src/core.
 */
import type { VulnerabilityLookup } from '../core/vulnerabilities.js';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { getHeapStatistics } from 'node:v8';
import { fastify as Fastify, LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { decide } from '../core/decide.js';
import { evaluate } from '../core/engine.js';
import { type ErrorCode } from '../core/errors.js';
import { kindKey } from '../core/kinds.js';
import type { Finding } from '../core/types.js';
import { asRecord } from '../core/safe.js';
import { addProbeRoutes, type Probes } from '../process/probes.js';
import { objectResult } from '../results/build.js';
import { boundedIds } from './log-fields.js';
import type { ObjectResult } from '../results/model.js';
import type { ActivePolicySet } from '../policy-set/policy-holder.js';
import type { NamespaceLabelSource } from '../cluster/namespace-labels.js';
import { deadlineRunner } from '../guard/deadline-runner.js';
import type { AdmissionMetrics } from './metrics.js';
import { inputFromRequest, parseGoDuration, parseReview, reviewResponse } from './review.js';

/** 8 MiB: an UPDATE carries two objects of up to 3 MiB each, plus the review envelope. */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;
/** The longest timeout a webhook configuration may set; used when `?timeout=` is absent or unreadable. */
export const MAX_WEBHOOK_TIMEOUT_MS = 30_000;
/** Above the apiserver's 90 s idle keep-alive, so the server never closes a connection the client is about to reuse. */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;
/** Connections that never send a request, and the headers of one that does: see docs/webhook.md. */
export const FIRST_REQUEST_TIMEOUT_MS = 10_000;
export const HEADERS_TIMEOUT_MS = 10_000;

export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
}

export interface ServerDeps {
  policies: { current(): ActivePolicySet | undefined };
  logger: Logger;
  metrics: AdmissionMetrics;
  namespaces: NamespaceLabelSource;
  clock?: Clock;
  /**
   * The post-decision observer: called with each review's result (the neutral result model), after
   * the answer is built, with whether the review was a dry run. Sinks (src/alerts) and reports hang
   * off it; absent, no result is built. It must not wait on anything: the review's turn is still running.
   */
  onResult?: (result: ObjectResult, review: { dryRun: boolean; operation: string }) => void;
  /** Set by the shutdown sequence: readiness fails, so the endpoint is taken out of rotation. */
  lifecycle?: { shuttingDown: boolean };
  /**
   * Image scan results for the policies that require them (the VulnerabilityReport cache, when the
   * configuration enables it). Absent: those policies are not run at admission.
   */
  vulnerabilities?: VulnerabilityLookup;
}

export interface ServerOptions {
  /** Path of the review route. Default `/validate`. */
  path?: string;
  bodyLimit?: number;
  /** TLS options (key, cert, ca, requestCert...). Absent: plain HTTP (tests with inject()). */
  https?: HttpsServerOptions;
  /** Serve /healthz, /readyz and /metrics on this server too. Default true. */
  probes?: boolean;
  keepAliveTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * A connection that has sent no request this long after it opened (TLS handshake included) is
   * closed. Default 10 s: the apiserver opens a connection to send a review at once.
   */
  firstRequestTimeoutMs?: number;
  /** Time for the request headers once a request started. Default 10 s (never above the request timeout). */
  headersTimeoutMs?: number;
  /**
   * Bytes of review bodies being received or evaluated at once; a review that would go over is
   * answered 503 KP_ERR_SERVER_BUSY at once. Default: a fifth of V8's heap limit, at least one body limit.
   */
  maxBodyBytesInFlight?: number;
}

const monotonic: Clock = { now: () => performance.now() };

/** The JSON error body of every non-review answer. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ code, message } satisfies ErrorBody);
}

/** Short, fixed messages for Fastify's body errors: their own messages may quote the body. */
const BODY_ERROR_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request body is empty',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type; send application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_EMPTY_TYPE: 'missing content type; send application/json',
  FST_ERR_CTP_INVALID_TYPE: 'invalid content type; send application/json',
};

export function buildServer(deps: ServerDeps, options: ServerOptions = {}): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const path = options.path ?? '/validate';
  const clock = deps.clock ?? monotonic;
  const app = Fastify({
    ...(options.https ? { https: { minVersion: 'TLSv1.2', handshakeTimeout: options.firstRequestTimeoutMs ?? FIRST_REQUEST_TIMEOUT_MS, ...options.https } } : {}),
    loggerInstance: deps.logger.child({ component: 'http' }),
    // Fastify's request logging is off: each review logs one line of its own, without bodies.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: options.requestTimeoutMs ?? 60_000,
    // On close, idle keep-alive connections are closed at once; busy ones finish their request.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'ignore',
  }) as unknown as FastifyInstance;
  // Headers must arrive well within the request timeout (slow-loris), and under Node's rule headersTimeout <= requestTimeout.
  const raw = app.server as { headersTimeout?: number };
  raw.headersTimeout = Math.min(options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, options.requestTimeoutMs ?? 60_000);
  closeSilentConnections(app.server, options.firstRequestTimeoutMs ?? FIRST_REQUEST_TIMEOUT_MS, options.https !== undefined);

  // The apiserver sends application/json; anything else is still read as JSON, so a wrong or
  // missing content type is answered as a malformed review (400) rather than 415.
  // __proto__ keys are refused; `constructor` keys are harmless here (nothing is merged or
  // assigned from the body) and scanning every body for them costs more than the whole review.
  const secureJson = app.getDefaultJsonParser('error', 'ignore');
  // Fastify's parser (secure-json-parse) scans every body with a regular expression for `__proto__`
  // in any spelling, which was 2% of a review's cost. A body holding neither `__proto__` nor any `\u`
  // escape cannot spell it, so plain JSON.parse is enough; everything else, and every body JSON.parse
  // refuses (so errors stay the same), goes through Fastify's parser.
  const json = (request: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void): void => {
    if (body.length > 0 && !body.includes('__proto__') && !body.includes('\\u')) {
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        void secureJson(request, body, done);
        return;
      }
      done(null, value);
      return;
    }
    void secureJson(request, body, done);
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, json);
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, json);
  app.decorateRequest('kpStart', 0);
  const budget = new BodyBudget(options.maxBodyBytesInFlight ?? defaultBodyBudget(bodyLimit));

  app.setErrorHandler((err: { statusCode?: number; code?: string; message?: string; stack?: string }, request: FastifyRequest, reply: FastifyReply) => {
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      deps.metrics.malformed('KP_ERR_REVIEW_TOO_LARGE');
      request.log.warn({ code: err.code, url: request.routeOptions.url }, 'request body too large');
      const send = (): FastifyReply => sendError(reply, 413, 'KP_ERR_REVIEW_TOO_LARGE', `request body is larger than the limit of ${bodyLimit} bytes`);
      return drainBody(request.raw, bodyLimit * DRAIN_FACTOR, reply).then(send);
    }
    if (status >= 400 && status < 500) {
      deps.metrics.malformed('KP_ERR_REVIEW_MALFORMED');
      // Only the code is logged: JSON parse messages quote the body.
      request.log.info({ code: err.code, url: request.routeOptions.url }, 'malformed request');
      const message = BODY_ERROR_MESSAGES[err.code ?? ''] ?? (err instanceof SyntaxError ? BODY_ERROR_MESSAGES.FST_ERR_CTP_INVALID_JSON_BODY! : 'malformed request');
      return sendError(reply, 400, 'KP_ERR_REVIEW_MALFORMED', message);
    }
    deps.metrics.malformed('KP_ERR_SERVER_INTERNAL');
    request.log.error({ code: err.code, err: err.message, stack: err.stack }, 'internal error');
    return sendError(reply, 500, 'KP_ERR_SERVER_INTERNAL', 'internal error; see the webhook log');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'KP_ERR_HTTP_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`));

  app.post(path, {
    // Stamped before the body is read, so the deadline counts body transfer and parsing too.
    onRequest: (request, reply, done) => {
      (request as unknown as { kpStart: number }).kpStart = clock.now();
      // Charged before the body is read: a parsed review costs several times its bytes, and many large
      // ones at once once ran the heap out. A body without Content-Length may be as large as the limit.
      const length = Number(request.headers['content-length']);
      const charge = Number.isFinite(length) && length >= 0 ? Math.min(length, bodyLimit) : bodyLimit;
      if (!budget.take(charge)) {
        deps.metrics.malformed('KP_ERR_SERVER_BUSY');
        request.log.warn({ bytes: charge, inFlight: budget.inFlight, budget: budget.max }, 'review refused: bodies in flight fill the memory budget');
        void drainBody(request.raw, bodyLimit * DRAIN_FACTOR, reply).then(() => sendError(reply, 503, 'KP_ERR_SERVER_BUSY', 'the webhook is receiving or evaluating as many review bytes as its memory allows; retry'));
        return;
      }
      // 'close' fires once however the exchange ends (answered, aborted, timed out).
      reply.raw.once('close', () => budget.give(charge));
      done();
    },
    handler: (request, reply) => review(deps, clock, request, reply),
  });

  if (options.probes !== false) addProbeRoutes(app, webhookProbes(deps));
  return app;
}

/** Why the server is not ready; empty when it is. */
export function notReadyReasons(deps: ServerDeps): string[] {
  const reasons: string[] = [];
  if (deps.lifecycle?.shuttingDown) reasons.push('shutting down');
  if (deps.policies.current() === undefined) reasons.push('policies not loaded');
  if (!deps.namespaces.synced()) reasons.push('namespace cache not synced');
  return reasons;
}

/** The webhook's probes: ready once policies are loaded and the namespace cache synced, until shutdown. */
export function webhookProbes(deps: ServerDeps): Probes {
  return {
    readiness: () => {
      const active = deps.policies.current();
      return { reasons: notReadyReasons(deps), details: { policies: active?.set.engine.enabled.length ?? 0, generation: active?.generation ?? 0, namespaces: deps.namespaces.description } };
    },
    metrics: deps.metrics.registry,
  };
}

function review(deps: ServerDeps, clock: Clock, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const start = (request as unknown as { kpStart: number }).kpStart;
  const parsed = parseReview(request.body);
  if (!parsed.ok) {
    deps.metrics.malformed('KP_ERR_REVIEW_MALFORMED');
    request.log.info({ reason: parsed.message }, 'malformed review');
    return sendError(reply, 400, 'KP_ERR_REVIEW_MALFORMED', parsed.message);
  }
  const r = parsed.review.request;
  const kind = kindKey(r.kind);
  const log = deps.logger.child({
    uid: r.uid,
    kind,
    ...(r.subResource !== undefined ? { subResource: r.subResource } : {}),
    namespace: r.namespace,
    name: r.name,
    operation: r.operation,
    user: r.userInfo?.username,
    ...(r.dryRun ? { dryRun: true } : {}),
  });
  const active = deps.policies.current();
  // Shutting down does not refuse reviews: those in flight finish; readiness takes the endpoint out.
  if (active === undefined) {
    deps.metrics.malformed('KP_ERR_SERVER_NOT_READY');
    log.warn('review refused: no policy set loaded');
    return sendError(reply, 503, 'KP_ERR_SERVER_NOT_READY', 'webhook is not ready: no policy set loaded');
  }

  const labels = r.namespace !== undefined ? deps.namespaces.labelsOf(r.namespace) : undefined;
  const input = inputFromRequest(r, labels, deps.vulnerabilities);
  const dryRun = r.dryRun === true;

  const timeoutMs = timeoutOf((request.query as Record<string, unknown> | undefined)?.timeout);
  const deadline = start + timeoutMs;
  if (clock.now() >= deadline) {
    // The apiserver has stopped waiting; evaluating now would only spend time other reviews need.
    deps.metrics.deadlineExceeded();
    deps.metrics.malformed('KP_ERR_REVIEW_DEADLINE');
    log.warn({ timeoutMs }, 'review deadline passed before evaluation');
    return sendError(reply, 504, 'KP_ERR_REVIEW_DEADLINE', `deadline of ${timeoutMs} ms passed before evaluation`);
  }

  const result = evaluate(input, active.set.registry, active.set.engine, { runner: deadlineRunner(active.runner, deadline, clock.now) });
  const decision = decide(result);
  const ms = clock.now() - start;
  if (start + ms > deadline) deps.metrics.deadlineExceeded();

  deps.metrics.review(r.operation, kind, decision.outcome, dryRun, ms / 1000);
  for (const o of result.outcomes) deps.metrics.outcome(o.policyId, o.outcome, dryRun);

  // Policy ids and paths only: messages can quote values (image names, hosts) and errors quote whatever a policy threw.
  const entry: Record<string, unknown> = { decision: decision.outcome, mode: decision.mode, durationMs: round(ms), generation: active.generation };
  if (decision.exemptBy !== undefined) entry.exemptBy = decision.exemptBy;
  addIds(entry, 'denied', decision.denied);
  addIds(entry, 'wouldDeny', decision.wouldDeny);
  addIds(entry, 'warned', decision.warned);
  addIds(entry, 'audit', decision.audited);
  addIds(entry, 'policyErrors', decision.errors);
  log.info(entry, decision.wouldDeny.length > 0 && decision.mode === 'audit' ? 'admission review: would deny' : 'admission review');

  reply.send(reviewResponse(parsed.review, decision));
  if (deps.onResult !== undefined) {
    const object = asRecord(r.operation === 'DELETE' ? r.oldObject : r.object);
    const meta = asRecord(object?.metadata);
    deps.onResult(objectResult({
      apiVersion: r.kind.group === '' ? r.kind.version : `${r.kind.group}/${r.kind.version}`,
      kind: r.kind.kind,
      name: r.name ?? (typeof meta?.generateName === 'string' ? `${meta.generateName}*` : ''),
      ...(r.namespace !== undefined && r.namespace !== '' ? { namespace: r.namespace } : {}),
      uid: typeof meta?.uid === 'string' ? meta.uid : '',
      resourceVersion: typeof meta?.resourceVersion === 'string' ? meta.resourceVersion : '',
    }, result, decision), { dryRun, operation: r.operation });
  }
  return reply;
}

// The apiserver sends the same `?timeout=` on every call of a webhook: parse it once.
let lastTimeoutText: unknown;
let lastTimeoutMs = MAX_WEBHOOK_TIMEOUT_MS;
function timeoutOf(text: unknown): number {
  if (text !== lastTimeoutText || typeof text !== 'string') {
    lastTimeoutMs = parseGoDuration(text) ?? MAX_WEBHOOK_TIMEOUT_MS;
    lastTimeoutText = text;
  }
  return lastTimeoutMs;
}

function addIds(entry: Record<string, unknown>, key: string, findings: readonly Finding[]): void {
  if (findings.length === 0) return;
  entry[key] = boundedIds(findings);
}

/** Bytes of bodies in flight, against a fixed budget. */
class BodyBudget {
  inFlight = 0;
  constructor(readonly max: number) {}
  /** One body always fits when nothing else is in flight, whatever its size. */
  take(bytes: number): boolean {
    if (this.inFlight > 0 && this.inFlight + bytes > this.max) return false;
    this.inFlight += bytes;
    return true;
  }
  give(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
  }
}

/**
 * A sixth of the old-generation heap (the chart sets `--max-old-space-size` from the memory limit):
 * with the chart's 160 MB, three 8 MB reviews at once. Measured: a parsed 8 MB review and its findings
 * take several times its bytes while it is evaluated; 32 at once exhausted a 160 MB heap, and so did
 * the eight that a fifth of V8's whole heap limit admitted on Node 24, whose limit for the same flag
 * is 352 MB rather than Node 20's 208 MB (a larger young generation): the old-space flag is the
 * figure that bounds what live reviews may hold.
 */
export function defaultBodyBudget(bodyLimit: number, oldSpaceMb = oldSpaceLimitMb()): number {
  return Math.max(bodyLimit, Math.floor((oldSpaceMb * 1024 * 1024) / 6));
}

/** `--max-old-space-size` as given to this process (flags or NODE_OPTIONS), else V8's heap limit. */
export function oldSpaceLimitMb(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): number {
  let mb: number | undefined;
  for (const arg of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = /^--max-old-space-size=(\d+)$/.exec(arg);
    if (m) mb = Number(m[1]);
  }
  return mb ?? getHeapStatistics().heap_size_limit / (1024 * 1024);
}

/** How much of an oversized body (in multiples of the limit) is read and discarded before the 413. */
const DRAIN_FACTOR = 4;

/**
 * Fastify refuses a body whose Content-Length is over the limit before reading it; answering then
 * and closing the socket meets a client still writing its body, which sees EPIPE or an SSL EOF
 * (Python's http.client) instead of the 413. So the rest of the body is read and thrown away, up to
 * a bound; a body larger still gets the 413 with `Connection: close`. Memory stays flat (chunks are
 * dropped as they come), and the request timeout still bounds the time.
 */
function drainBody(raw: import('node:http').IncomingMessage, maxBytes: number, reply: FastifyReply): Promise<void> {
  return new Promise((resolve) => {
    if (raw.complete || raw.destroyed || raw.readableEnded) return resolve();
    let read = 0;
    const done = (): void => {
      raw.off('data', onData);
      raw.off('end', done);
      raw.off('error', done);
      raw.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      if (read > maxBytes) {
        reply.header('connection', 'close');
        raw.pause();
        done();
      }
    };
    raw.on('data', onData);
    raw.once('end', done);
    raw.once('error', done);
    raw.once('close', done);
    raw.resume();
  });
}

/**
 * Node's headers and request timeouts only start with a request's first byte, so a connection that
 * opens and says nothing stays open for ever (five such were still open after 200 s), each holding a
 * socket and TLS state. Until its first request arrives a connection gets an inactivity timeout;
 * Node's own socket timeout handler destroys it. Once a request has been served, Node's keep-alive
 * handling sets the socket's timeout itself (keep-alive 120 s, above the apiserver's 90 s idle reuse).
 */
function closeSilentConnections(server: import('node:http').Server, timeoutMs: number, tls: boolean): void {
  if (timeoutMs <= 0) return;
  server.on(tls ? 'secureConnection' : 'connection', (socket: import('node:net').Socket) => {
    socket.setTimeout(timeoutMs);
  });
  // A request has come: from here the request timeout (body) and the review's deadline govern, and
  // a slow policy must not have the socket cut under its answer.
  server.on('request', (req: import('node:http').IncomingMessage) => {
    if (req.socket.timeout === timeoutMs) req.socket.setTimeout(0);
  });
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
