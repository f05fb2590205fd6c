/**
 * From the `alerts:` configuration to a running Alerter: secrets resolved (from environment
 * variables or files, never logged), one worker per sink. Errors name the sink and the field, never
 * a value.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AlertsConfig, SecretValue, SinkConfig } from '../config/alerts-schema.js';
import { KubePostureError } from '../core/errors.js';
import { createAlertMetrics, type AlertMetrics } from './alert-metrics.js';
import { Alerter } from './alerter.js';
import { SinkWorker, type DeliveryOptions } from './dispatcher.js';
import type { SinkFilter } from './filter.js';
import { alertmanagerSink, slackSink, webhookSink } from './http-sinks.js';
import type { SinkTransport } from './sink.js';

export interface AlertingDeps {
  registry: Registry;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** Builds the Kubernetes Events sink; absent when there is no cluster access (an `events` sink is then an error). */
  eventsSink?: () => SinkTransport;
  /** Which results this process produces: a sink filtered to the other source is not started here. */
  source: 'admission' | 'scan';
  now?: () => number;
  random?: () => number;
  /** Scan alerts: whether this replica leads (see Alerter). */
  isLeader?: () => boolean;
}

export interface Alerting {
  alerter: Alerter;
  metrics: AlertMetrics;
  /** Of the `alerts:` configuration it runs (a reload with the same one changes nothing). */
  configDigest: string;
}

/** Whether the configuration has a sink of this type for this source (so the caller knows to set up, say, cluster access). */
export function wantsSink(config: AlertsConfig | undefined, type: SinkConfig['type'], source: 'admission' | 'scan'): boolean {
  return (config?.sinks ?? []).some((s) => s.type === type && (s.sources === undefined || s.sources.includes(source)));
}

/** Undefined when no sink is configured (nothing is started, nothing is observed). */
export async function startAlerting(config: AlertsConfig | undefined, deps: AlertingDeps): Promise<Alerting | undefined> {
  return reconfigureAlerting(undefined, config, deps);
}

/**
 * The running alerting after a configuration (re)load: started, reconfigured in place (the
 * Alerter keeps its tracker and baseline; the previous sinks close in the background within
 * `graceMs`), stopped when no sink is left for this source, or unchanged when `alerts:` is the
 * same. Throws (naming the sink and field, never a secret) when the new configuration cannot be
 * used: the caller keeps what runs.
 */
export async function reconfigureAlerting(current: Alerting | undefined, config: AlertsConfig | undefined, deps: AlertingDeps, graceMs = 5000): Promise<Alerting | undefined> {
  const digest = digestOf(config);
  if (current !== undefined && current.configDigest === digest) return current;
  const sinks = (config?.sinks ?? []).filter((s) => s.sources === undefined || s.sources.includes(deps.source));
  if (config === undefined || sinks.length === 0) {
    if (current !== undefined) {
      await current.alerter.close(graceMs);
      deps.logger.info('alerts disabled: no sink left in the configuration');
    }
    return undefined;
  }
  const names = new Set<string>();
  for (const s of config.sinks) {
    if (names.has(s.name)) throw configError(`alerts.sinks: two sinks are named "${s.name}"`);
    names.add(s.name);
  }
  const metrics = current?.metrics ?? metricsOf(deps.registry);
  const workers: SinkWorker[] = [];
  for (const s of sinks) {
    workers.push(new SinkWorker({
      name: s.name,
      transport: await transportOf(s, deps),
      filter: filterOf(s),
      delivery: deliveryOf(s),
      metrics,
      logger: deps.logger.child({ component: 'alerts' }),
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    }));
  }
  const settings = {
    cluster: config.cluster,
    ...(config.reportUrl !== undefined ? { reportUrlTemplate: config.reportUrl } : {}),
    admissionWindowMs: config.admissionWindowSeconds * 1000,
    resendIntervalMs: config.resendIntervalSeconds * 1000,
    workers,
  };
  const described = { sinks: sinks.map((s) => ({ name: s.name, type: s.type })), cluster: config.cluster };
  if (current !== undefined) {
    const previous = current.alerter.reconfigure(settings);
    // Not awaited: the old sinks deliver what they hold while the new ones already take alerts.
    void Promise.all(previous.map((w) => w.close(graceMs)));
    deps.logger.info(described, 'alerts reconfigured');
    return { alerter: current.alerter, metrics, configDigest: digest };
  }
  const alerter = new Alerter({
    ...settings,
    logger: deps.logger,
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.isLeader ? { isLeader: deps.isLeader } : {}),
  });
  alerter.start();
  deps.logger.info(described, 'alerts enabled');
  return { alerter, metrics, configDigest: digest };
}

/** Alert metrics are registered once per registry: a reload that starts alerting again reuses them. */
const metricsByRegistry = new WeakMap<Registry, AlertMetrics>();
function metricsOf(registry: Registry): AlertMetrics {
  let m = metricsByRegistry.get(registry);
  if (m === undefined) {
    m = createAlertMetrics(registry);
    metricsByRegistry.set(registry, m);
  }
  return m;
}

function digestOf(config: AlertsConfig | undefined): string {
  return createHash('sha256').update(JSON.stringify(config ?? null)).digest('hex');
}

export function filterOf(s: SinkConfig): SinkFilter {
  return {
    ...(s.minSeverity !== undefined ? { minSeverity: s.minSeverity } : {}),
    ...(s.sources !== undefined ? { sources: s.sources } : {}),
    ...(s.actions !== undefined ? { actions: s.actions } : {}),
    ...(s.namespaces !== undefined ? { namespaces: s.namespaces } : {}),
    ...(s.policies !== undefined ? { policies: s.policies } : {}),
    ...(s.onlyNew !== undefined ? { onlyNew: s.onlyNew } : {}),
  };
}

/** Slack takes about one message a second; the others get 10 deliveries a second by default. */
export function deliveryOf(s: SinkConfig): DeliveryOptions {
  const rate = s.ratePerSecond ?? (s.type === 'slack' ? 1 : 10);
  return {
    queueSize: s.queueSize ?? 1000,
    ratePerSecond: rate,
    burst: Math.max(1, Math.ceil(rate)),
    timeoutMs: (s.timeoutSeconds ?? 5) * 1000,
    maxAttempts: s.maxAttempts ?? 5,
    backoff: { baseMs: s.backoffBaseMs ?? 500, maxMs: Math.max(s.backoffBaseMs ?? 500, s.backoffMaxMs ?? 30_000) },
  };
}

async function transportOf(s: SinkConfig, deps: AlertingDeps): Promise<SinkTransport> {
  const secret = (v: SecretValue, field: string): Promise<string> => resolveSecret(v, `alerts.sinks[${s.name}].${field}`, deps.env);
  switch (s.type) {
    case 'alertmanager':
      return alertmanagerSink({
        url: checkUrl(await secret(s.url!, 'url'), s.name),
        ...(s.bearerToken !== undefined ? { bearerToken: await secret(s.bearerToken, 'bearerToken') } : {}),
        leaseMs: (s.resolveAfterSeconds ?? 300) * 1000,
        ...(deps.now ? { now: deps.now } : {}),
      });
    case 'slack':
      return slackSink({ url: checkUrl(await secret(s.url!, 'url'), s.name), ...(deps.now ? { now: deps.now } : {}) });
    case 'webhook': {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(s.headers ?? {})) headers[name.toLowerCase()] = await secret(value, `headers.${name}`);
      return webhookSink({
        url: checkUrl(await secret(s.url!, 'url'), s.name),
        headers,
        ...(s.hmacSecret !== undefined ? { hmacSecret: await secret(s.hmacSecret, 'hmacSecret') } : {}),
        ...(deps.now ? { now: deps.now } : {}),
      });
    }
    case 'events':
      if (deps.eventsSink === undefined) throw configError(`alerts.sinks[${s.name}]: an events sink needs cluster access, and there is none`);
      return deps.eventsSink();
  }
}

/** The value of a secret reference. Errors say where it was looked for, never what it holds. */
export async function resolveSecret(v: SecretValue, field: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (typeof v === 'string') return v;
  if ('fromEnv' in v) {
    const value = env[v.fromEnv];
    if (value === undefined || value === '') throw configError(`${field}: environment variable ${v.fromEnv} is not set`);
    return value;
  }
  let text: string;
  try {
    text = await readFile(v.fromFile, 'utf8');
  } catch (err) {
    throw configError(`${field}: cannot read ${v.fromFile} (${(err as { code?: string }).code ?? 'error'})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw configError(`${field}: ${v.fromFile} is empty`);
  return value;
}

/** Only http(s) URLs; the message never quotes the URL (Slack's holds its secret). */
function checkUrl(text: string, sink: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configError(`alerts.sinks[${sink}].url: not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw configError(`alerts.sinks[${sink}].url: must be http or https`);
  return text;
}

function configError(message: string): KubePostureError {
  return new KubePostureError('KP_ERR_CONFIG_INVALID', message, [{ code: 'KP_ERR_CONFIG_INVALID', message }]);
}
