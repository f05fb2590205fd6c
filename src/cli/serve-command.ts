/**
 * `kube-posture serve`: the webhook's composition root. Flags (with environment fallbacks) and the
 * configuration file become real dependencies here, and only here: the server, the policy source,
 * the namespace informer, the certificate watcher, the process lifecycle.
 */
import { homedir, hostname } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { collect, intIn } from './option-parsers.js';
import type { Logger, LevelWithSilent } from 'pino';
import { createLogger } from '../admission/logger.js';
import { createMetrics, type AdmissionMetrics } from '../admission/metrics.js';
import { eventsSink } from '../alerts/events-sink.js';
import { reconfigureAlerting, startAlerting, wantsSink, type Alerting, type AlertingDeps } from '../alerts/setup.js';
import type { ReviewContext } from '../alerts/alerter.js';
import type { AlertsConfig } from '../config/alerts-schema.js';
import type { ObjectResult } from '../results/model.js';
import type { SinkTransport } from '../alerts/sink.js';
import { apiClientFor } from '../cluster/api.js';
import { buildServer, DEFAULT_BODY_LIMIT, webhookProbes, type ServerDeps } from '../admission/server.js';
import { clusterEnvironment, loadKubeConfig, type ClusterEnvironment } from '../cluster/kubeconfig.js';
import { clusterNamespaceLabels, noNamespaceLabels, type NamespaceLabelSource } from '../cluster/namespace-labels.js';
import type { ExemptionSet } from '../core/engine-config.js';
import { errorMessage, formatProblem, KubePostureError } from '../core/errors.js';
import type { Mode } from '../core/types.js';
import { PolicySetHolder } from '../policy-set/policy-holder.js';
import { openPolicySource } from '../policy-set/policy-source.js';
import { ProcessLifecycle } from '../process/lifecycle.js';
import { buildOpsServer } from '../process/probes.js';
import { ensureDevCertificate } from '../serving/dev-cert.js';
import { webhookVulnerabilityCache, type WebhookVulnerabilityCache } from '../vulnerabilities/webhook-cache.js';
import { registerImageCacheMetrics } from '../vulnerabilities/cache-metrics.js';
import { readTlsMaterial, startTlsReloader, TLS_BASE, type TlsFiles } from '../serving/tls-reloader.js';

export interface ServeOptions {
  config?: string;
  profile?: string;
  mode?: Mode;
  host?: string;
  port: number;
  path: string;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  devCertDir: string;
  metricsPort?: number;
  logLevel: LevelWithSilent;
  policyDir: string[];
  kubeconfig?: string;
  clusterContext: 'auto' | 'off';
  podNamespace?: string;
  serviceAccount?: string;
  bodyLimit: number;
  maxBodyBytesInFlight?: number;
  shutdownGrace: number;
  reloadInterval: number;
}

/** What the process environment supplies besides flags; read once, in `registerServeCommand`. */
export type ServeEnvironment = ClusterEnvironment & {
  /** Where alert sinks' `fromEnv` secrets are looked up (the process environment). */
  secrets?: NodeJS.ProcessEnv;
};

export interface RunningWebhook {
  url: string;
  opsUrl?: string;
  holder: PolicySetHolder;
  metrics: AdmissionMetrics;
  /** Present while the configuration has alert sinks for admission findings (it follows reloads). */
  readonly alerting: Alerting | undefined;
  /** Resolves once the alerts have followed the last configuration reload (for tests). */
  alertsSettled(): Promise<void>;
  logger: Logger;
  lifecycle: ProcessLifecycle;
  shutdown(reason: string): Promise<void>;
}


export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the validating admission webhook (HTTPS)')
    .addOption(new Option('-c, --config <file>', 'configuration file (YAML); reloaded on change').env('KP_CONFIG'))
    .addOption(new Option('--profile <name>', 'policy profile(s), overrides the file: recommended, pss-baseline, pss-restricted, all, none; several comma-separated compose (the stricter action wins)').env('KP_PROFILE'))
    .addOption(new Option('--mode <mode>', 'global mode, overrides the file (audit never denies)').choices(['enforce', 'warn', 'audit']).env('KP_MODE'))
    .addOption(new Option('--host <host>', 'address to listen on (default 0.0.0.0; 127.0.0.1 with the development certificate)').env('KP_HOST'))
    .addOption(new Option('--port <port>', 'HTTPS port').default(8443).argParser(intIn('--port', 0, 65535)).env('KP_PORT'))
    .addOption(new Option('--path <path>', 'path of the review route').default('/validate').env('KP_PATH'))
    .addOption(new Option('--tls-cert <file>', 'serving certificate (PEM); reloaded on change').env('KP_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'serving key (PEM); reloaded on change').env('KP_TLS_KEY'))
    .addOption(new Option('--client-ca <file>', 'require client certificates signed by this CA (PEM)').env('KP_CLIENT_CA'))
    .addOption(new Option('--dev-cert-dir <dir>', 'where the development certificate is written when no --tls-cert is given').default('.dev-certs').env('KP_DEV_CERT_DIR'))
    .addOption(new Option('--metrics-port <port>', 'serve /metrics, /healthz, /readyz on this plain-HTTP port instead of the webhook port').argParser(intIn('--metrics-port', 0, 65535)).env('KP_METRICS_PORT'))
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').env('KP_LOG_LEVEL'))
    .addOption(new Option('--policy-dir <dir>', `user policy directory, repeatable (env KP_POLICY_DIRS, separated by "${delimiter}")`).argParser(collect))
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig for the namespace informer (default: KUBECONFIG, ~/.kube/config, or the in-cluster service account)').env('KP_KUBECONFIG'))
    .addOption(new Option('--cluster-context <mode>', 'auto: read namespace labels from the cluster when there is access; off: configuration only').choices(['auto', 'off']).default('auto').env('KP_CLUSTER_CONTEXT'))
    .addOption(new Option('--pod-namespace <ns>', "the webhook's own namespace, never blocked").env('POD_NAMESPACE'))
    .addOption(new Option('--service-account <name>', "the webhook's own service account name, never blocked").env('POD_SERVICE_ACCOUNT'))
    .addOption(new Option('--body-limit <bytes>', 'largest accepted review').default(DEFAULT_BODY_LIMIT).argParser(intIn('--body-limit', 7 * 1024 * 1024, 64 * 1024 * 1024)).env('KP_BODY_LIMIT'))
    .addOption(new Option('--max-body-bytes-in-flight <bytes>', 'review bytes received or evaluated at once; more is answered 503 KP_ERR_SERVER_BUSY (default: a sixth of --max-old-space-size, else of the V8 heap limit; at least --body-limit)').argParser(intIn('--max-body-bytes-in-flight', 1024 * 1024, 4 * 1024 * 1024 * 1024)).env('KP_MAX_BODY_BYTES_IN_FLIGHT'))
    .addOption(new Option('--shutdown-grace <seconds>', 'on SIGTERM, time for in-flight reviews before exiting').default(20).argParser(intIn('--shutdown-grace', 0, 300)).env('KP_SHUTDOWN_GRACE'))
    .addOption(new Option('--reload-interval <seconds>', 'period of the fallback check for changed configuration, policies and certificates (0: file events only)').default(10).argParser(intIn('--reload-interval', 0, 3600)).env('KP_RELOAD_INTERVAL'))
    .action(async (opts: ServeOptions) => {
      const env = process.env;
      const policyDir = opts.policyDir ?? (env.KP_POLICY_DIRS ? env.KP_POLICY_DIRS.split(delimiter).filter((d) => d !== '') : []);
      let running: RunningWebhook;
      try {
        running = await startWebhook({ ...opts, policyDir }, { ...clusterEnvironment(env, { ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), home: homedir() }), secrets: env });
      } catch (err) {
        const problems = err instanceof KubePostureError ? err.problems.map(formatProblem) : [];
        process.stderr.write(`kube-posture serve: ${errorMessage(err)}\n${problems.map((p) => `  ${p}\n`).join('')}`);
        // A configuration, policy or TLS problem is the caller's to fix (2, as every command's usage errors); anything else is 1.
        process.exit(err instanceof KubePostureError ? 2 : 1);
      }
      running.lifecycle.handleSignals();
    });
}

/**
 * Loads everything, listens, and returns a handle. Throws (with every problem) when the first
 * configuration or the TLS files are unusable: a webhook that starts without policies would only
 * fail calls.
 */
export async function startWebhook(opts: ServeOptions, environment: ServeEnvironment): Promise<RunningWebhook> {
  const logger = createLogger({ level: opts.logLevel });
  const metrics = createMetrics();
  const lifecycle = new ProcessLifecycle({ logger, graceSeconds: opts.shutdownGrace });

  // The webhook never blocks its own namespace or service account, whatever the policies say. This is
  // engine configuration, so the core applies it like any exemption and every adapter agrees.
  const ownNamespace = opts.podNamespace ?? environment.saNamespace;
  if (!ownNamespace) logger.warn('own namespace unknown (set POD_NAMESPACE): it is not exempted automatically');
  const ownExemptions: ExemptionSet | undefined = ownNamespace ? {
    source: "webhook's own",
    exemptions: { namespaces: [ownNamespace], ...(opts.serviceAccount ? { serviceAccounts: [`${ownNamespace}:${opts.serviceAccount}`] } : {}) },
  } : undefined;
  const policies = await openPolicySource({
    ...(opts.config ? { configFile: opts.config } : {}),
    policyDirs: opts.policyDir,
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.mode ? { mode: opts.mode } : {}),
    ...(ownExemptions ? { ownExemptions } : {}),
    logger,
    onLoaded: (set) => metrics.setPoliciesLoaded(set.engine.enabled.length),
  });
  metrics.configReload('success', 'start');
  const holder = policies.holder;

  // TLS: given files, or a development certificate.
  let tlsFiles: TlsFiles;
  let devCert = false;
  if (opts.tlsCert || opts.tlsKey) {
    if (!opts.tlsCert || !opts.tlsKey) throw new KubePostureError('KP_ERR_TLS', '--tls-cert and --tls-key go together');
    tlsFiles = { certFile: resolve(opts.tlsCert), keyFile: resolve(opts.tlsKey) };
  } else {
    const dc = await ensureDevCertificate(opts.devCertDir);
    tlsFiles = { certFile: dc.certFile, keyFile: dc.keyFile };
    devCert = true;
    logger.warn({ certFile: dc.certFile, keyFile: dc.keyFile, created: dc.created, validTo: dc.validTo }, 'no --tls-cert given: serving a self-signed DEVELOPMENT certificate for localhost and 127.0.0.1 (not for production)');
  }
  if (opts.clientCa) tlsFiles.clientCaFile = resolve(opts.clientCa);
  const tls = await readTlsMaterial(tlsFiles);

  // Alert sinks come from the configuration, and follow it when it is reloaded (see reloadAlerts below).
  const alertDeps = async (config: AlertsConfig | undefined): Promise<AlertingDeps> => {
    const events = wantsSink(config, 'events', 'admission') ? await eventsSinkFactory(environment) : undefined;
    return { registry: metrics.registry, logger, env: environment.secrets ?? {}, source: 'admission', ...(events ? { eventsSink: events } : {}) };
  };
  const alertsGraceMs = Math.min(5000, opts.shutdownGrace * 500);
  let alertsReload = Promise.resolve();
  const initialAlerts = holder.current()?.set.fileConfig.alerts;
  let alerting = await startAlerting(initialAlerts, await alertDeps(initialAlerts));
  lifecycle.onShutdown('alerts', async () => { await alertsReload; await alerting?.alerter.close(alertsGraceMs); });

  const namespaces = await namespaceSource(opts, environment, logger, metrics);
  const vulnerabilities = await vulnerabilityCache(holder.current()?.set.fileConfig.vulnerabilities?.webhookCache, opts.clusterContext, environment, logger);
  if (vulnerabilities) {
    registerImageCacheMetrics(metrics.registry, vulnerabilities.cache, vulnerabilities.synced);
    lifecycle.onShutdown('vulnerability report cache', () => vulnerabilities.stop());
  }
  const observe = (result: ObjectResult, review: ReviewContext): void => alerting?.alerter.admission(result, review);
  const deps: ServerDeps = {
    policies: holder, logger, metrics, namespaces, lifecycle: lifecycle.state,
    ...(vulnerabilities ? { vulnerabilities: vulnerabilities.lookup } : {}),
    // Present only while alerts run: without an observer the server builds no result for it.
    ...(alerting ? { onResult: observe } : {}),
  };
  // A reloaded configuration with other `alerts:` is applied in place; one that cannot be used
  // (a secret missing, say) is logged and the running alerts are kept, as with policies.
  const reloadAlerts = (): void => {
    alertsReload = alertsReload.then(async () => {
      const config = holder.current()?.set.fileConfig.alerts;
      try {
        alerting = await reconfigureAlerting(alerting, config, await alertDeps(config), alertsGraceMs);
        if (alerting) deps.onResult = observe;
        else delete deps.onResult;
      } catch (err) {
        logger.error({ err: errorMessage(err) }, 'alerts reload rejected; the previous alerts configuration keeps running');
      }
    });
  };
  const https = { ...TLS_BASE, cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}) };
  const app = buildServer(deps, { https, path: opts.path, bodyLimit: opts.bodyLimit, probes: opts.metricsPort === undefined, ...(opts.maxBodyBytesInFlight !== undefined ? { maxBodyBytesInFlight: opts.maxBodyBytesInFlight } : {}) });
  const ops = opts.metricsPort !== undefined ? buildOpsServer(webhookProbes(deps), logger) : undefined;

  const host = opts.host ?? (devCert ? '127.0.0.1' : '0.0.0.0');
  await app.listen({ host, port: opts.port });
  lifecycle.onShutdown('webhook server', () => app.close());
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}${opts.path}`;
  let opsUrl: string | undefined;
  if (ops) {
    // The same address as the webhook: a development server on 127.0.0.1 must not expose its metrics on every interface.
    await ops.listen({ host, port: opts.metricsPort! });
    lifecycle.onShutdown('ops server', () => ops.close());
    const oa = ops.server.address();
    opsUrl = `http://${host.includes(':') ? `[${host}]` : host}:${typeof oa === 'object' && oa ? oa.port : opts.metricsPort}`;
  }
  logger.info({ url, ops: opsUrl, clientCertificates: tls.ca !== undefined, mode: holder.current()?.set.engine.mode }, 'webhook listening');
  // Log lines are buffered (see logger.ts); whoever waits for this one should not wait for the next flush.
  logger.flush();
  if (devCert) {
    process.stderr.write(`\nkube-posture: development certificate in ${tlsFiles.certFile}\n  try: curl --cacert ${tlsFiles.certFile} -H 'Content-Type: application/json' --data @examples/admission-review-pod.json '${url.replace('0.0.0.0', '127.0.0.1')}?timeout=10s'\n\n`);
  }

  const intervalMs = opts.reloadInterval * 1000;
  lifecycle.watch(startTlsReloader(app.server as unknown as import('node:tls').Server, tlsFiles, tls, { logger, onResult: (ok) => metrics.tlsReload(ok ? 'success' : 'failure'), intervalMs }));
  lifecycle.watch(policies.watch({
    intervalMs,
    onResult: (r, trigger) => {
      metrics.configReload(r.ok ? 'success' : 'failure', trigger);
      if (r.ok) reloadAlerts();
    },
  }));
  namespaces.start().catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'namespace informer did not start'));
  lifecycle.onShutdown('namespace informer', () => namespaces.stop());

  return { url, ...(opsUrl ? { opsUrl } : {}), holder, metrics, get alerting() { return alerting; }, alertsSettled: () => alertsReload, logger, lifecycle, shutdown: (reason) => lifecycle.shutdown(reason) };
}

/** Events are written with the webhook's own cluster access (its service account: `create` on events.k8s.io events). */
async function eventsSinkFactory(environment: ServeEnvironment): Promise<(() => SinkTransport) | undefined> {
  const access = await loadKubeConfig({ ...(environment.kubeconfigFile ? { kubeconfigFile: environment.kubeconfigFile } : {}), inCluster: environment.inCluster });
  if (access === undefined || !('kc' in access)) return undefined;
  const kc = access.kc;
  // The pod's host name is its name: the event's reportingInstance.
  return () => eventsSink({ api: apiClientFor(kc, { timeoutMs: 5000 }), instance: hostname() });
}

/**
 * The VulnerabilityReport cache, when the configuration enables it (read at start, like alerts). It
 * needs cluster access: enabled without any is a configuration error, never a silent "no results".
 */
async function vulnerabilityCache(config: { enabled?: boolean; maxImages?: number } | undefined, clusterContext: ServeOptions['clusterContext'], environment: ServeEnvironment, logger: Logger): Promise<WebhookVulnerabilityCache | undefined> {
  if (config?.enabled !== true) return undefined;
  if (clusterContext === 'off') throw new KubePostureError('KP_ERR_CONFIG_INVALID', 'vulnerabilities.webhookCache is enabled but --cluster-context is off: the cache reads Trivy Operator\'s VulnerabilityReports from the cluster');
  const access = await loadKubeConfig({ ...(environment.kubeconfigFile ? { kubeconfigFile: environment.kubeconfigFile } : {}), inCluster: environment.inCluster });
  if (access === undefined || !('kc' in access)) {
    throw new KubePostureError('KP_ERR_CONFIG_INVALID', `vulnerabilities.webhookCache is enabled but there is no usable cluster access${access !== undefined && 'error' in access ? ` (${access.error})` : ''}: it reads Trivy Operator's VulnerabilityReports from the cluster`);
  }
  const cache = webhookVulnerabilityCache(apiClientFor(access.kc), { maxImages: config.maxImages ?? 10_000, logger: logger.child({ component: 'vulnerabilities' }) });
  cache.start();
  return cache;
}

/** Namespace labels from the cluster when there is access (`--cluster-context auto`), else none. */
async function namespaceSource(opts: ServeOptions, environment: ServeEnvironment, logger: Logger, metrics: AdmissionMetrics): Promise<NamespaceLabelSource> {
  let namespaces: NamespaceLabelSource = noNamespaceLabels();
  if (opts.clusterContext === 'auto') {
    const access = await loadKubeConfig({ ...(environment.kubeconfigFile ? { kubeconfigFile: environment.kubeconfigFile } : {}), inCluster: environment.inCluster });
    if (access && 'kc' in access) {
      namespaces = await clusterNamespaceLabels(access.kc, access.where, { logger: logger.child({ component: 'namespaces' }), onChange: (synced, size) => metrics.setNamespaceCacheSynced(synced, size) });
    } else if (access) {
      logger.warn({ err: access.error }, 'cluster access configured but unusable: running on the configuration alone (namespace labels are not read)');
    }
  }
  if (namespaces.description.startsWith('none')) logger.info('no cluster access: running on the configuration alone; namespace labels (modes, Pod Security levels) are not read');
  else logger.info({ source: namespaces.description }, 'namespace labels from the cluster (informer cache)');
  metrics.setNamespaceCacheSynced(namespaces.synced(), namespaces.size());
  return namespaces;
}
