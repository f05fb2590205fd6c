/**
 * `kube-posture controller`: the posture controller's composition root. Flags (with environment
 * fallbacks, as the chart sets them) become the API client, the policy source (reloaded on change),
 * the leader election, the ops server and the process lifecycle; `src/live/controller.ts` does the work.
 */
import { randomUUID } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { delimiter } from 'node:path';
import { Command, Option } from 'commander';
import { bool, collect, intIn } from './option-parsers.js';
import type { Logger, LevelWithSilent } from 'pino';
import { createLogger } from '../admission/logger.js';
import { apiClientFor, type ApiClient } from '../cluster/api.js';
import { clusterEnvironment, loadKubeConfig } from '../cluster/kubeconfig.js';
import { LeaderElector } from '../cluster/leader-election.js';
import type { ExemptionSet } from '../core/engine-config.js';
import { errorMessage, formatProblem, KubePostureError } from '../core/errors.js';
import type { Mode } from '../core/types.js';
import { PostureController } from '../live/controller.js';
import { eventsSink } from '../alerts/events-sink.js';
import { reconfigureAlerting, startAlerting, type Alerting, type AlertingDeps } from '../alerts/setup.js';
import { openPolicySource } from '../policy-set/policy-source.js';
import { ProcessLifecycle } from '../process/lifecycle.js';
import { buildOpsServer } from '../process/probes.js';
import { REPORT_ACCESS, type ReportAccess } from '../process/report-routes.js';

export interface ControllerCommandOptions {
  kubeconfig?: string;
  context?: string;
  config?: string;
  profile?: string;
  mode?: Mode;
  policyDir?: string[];
  host: string;
  opsPort: number;
  reports: 'openreports' | 'wgpolicy' | 'none';
  includePass: boolean;
  maxReports: number;
  writeRate: number;
  rescanInterval: number;
  leaderElect: boolean;
  leaseName: string;
  leaseNamespace?: string;
  identity?: string;
  logLevel: LevelWithSilent;
  pageSize: number;
  shutdownGrace: number;
  reloadInterval: number;
  reportAccess: ReportAccess;
  reportInterval: number;
}

export interface RunningController {
  opsUrl: string;
  controller: PostureController;
  elector: LeaderElector | undefined;
  /** Present while the configuration has alert sinks for scan findings (it follows reloads). */
  readonly alerting: Alerting | undefined;
  /** Resolves once the alerts have followed the last configuration reload (for tests). */
  alertsSettled(): Promise<void>;
  logger: Logger;
  lifecycle: ProcessLifecycle;
  shutdown(reason: string): Promise<void>;
}


export function registerControllerCommand(program: Command): void {
  program
    .command('controller')
    .description('keep the posture of the cluster current: watch what the policies inspect, judge it as admission would, write OpenReports (one replica writes, by leader election)')
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig (default: KUBECONFIG, ~/.kube/config, or the in-cluster service account)').env('KP_KUBECONFIG'))
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .addOption(new Option('-c, --config <file>', 'configuration file (YAML); reloaded on change').env('KP_CONFIG'))
    .addOption(new Option('--profile <name>', 'policy profile(s), overrides the file; several comma-separated compose (the stricter action wins)').env('KP_PROFILE'))
    .addOption(new Option('--mode <mode>', 'global mode, overrides the file').choices(['enforce', 'warn', 'audit']).env('KP_MODE'))
    .addOption(new Option('--policy-dir <dir>', `user policy directory, repeatable (env KP_POLICY_DIRS, separated by "${delimiter}")`).argParser(collect))
    .addOption(new Option('--host <host>', 'address of the ops server').default('0.0.0.0').env('KP_HOST'))
    .addOption(new Option('--ops-port <port>', 'plain-HTTP port of /healthz, /readyz, /metrics, /report and /report.json').default(8081).argParser(intIn('--ops-port', 0, 65535)).env('KP_OPS_PORT'))
    .addOption(new Option('--report-access <who>', "who gets the HTML report at /report and /report.json on the ops port: local (the pod's loopback: kubectl port-forward), any, or off").choices([...REPORT_ACCESS]).default('local').env('KP_REPORT_ACCESS'))
    .addOption(new Option('--report-interval <seconds>', 'least time between two builds of the served report (it is built on request, when the results changed)').default(10).argParser(intIn('--report-interval', 0, 3600)).env('KP_REPORT_INTERVAL'))
    .addOption(new Option('--reports <format>', 'report objects to write: openreports (openreports.io/v1alpha1), wgpolicy (wgpolicyk8s.io/v1alpha2) or none').choices(['openreports', 'wgpolicy', 'none']).default('openreports').env('KP_REPORTS'))
    .addOption(new Option('--include-pass [bool]', 'write a pass result for every policy that found nothing (and reports for clean resources)').default(false).argParser(bool).env('KP_INCLUDE_PASS'))
    .addOption(new Option('--max-reports <n>', 'most report objects kept; past it new ones are dropped (metric kube_posture_report_drops_total)').default(10_000).argParser(intIn('--max-reports', 1, 1_000_000)).env('KP_MAX_REPORTS'))
    .addOption(new Option('--write-rate <n>', 'most report writes per second').default(10).argParser(intIn('--write-rate', 1, 1000)).env('KP_WRITE_RATE'))
    .addOption(new Option('--rescan-interval <seconds>', 'period of the full rescan (every kind listed again)').default(3600).argParser(intIn('--rescan-interval', 10, 7 * 24 * 3600)).env('KP_RESCAN_INTERVAL'))
    .addOption(new Option('--leader-elect [bool]', 'elect one writer through a coordination.k8s.io Lease').default(true).argParser(bool).env('KP_LEADER_ELECT'))
    .addOption(new Option('--lease-name <name>', 'name of the Lease').default('kube-posture-controller').env('KP_LEASE_NAME'))
    .addOption(new Option('--lease-namespace <ns>', "namespace of the Lease (default: the pod's own)").env('POD_NAMESPACE'))
    .addOption(new Option('--identity <id>', 'this replica in the Lease (default: the pod name, or the host name)').env('POD_NAME'))
    .addOption(new Option('--page-size <n>', 'objects per list page').default(500).argParser(intIn('--page-size', 1, 5000)).env('KP_PAGE_SIZE'))
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').env('KP_LOG_LEVEL'))
    .addOption(new Option('--shutdown-grace <seconds>', 'on SIGTERM, time to release the lease and stop').default(10).argParser(intIn('--shutdown-grace', 0, 300)).env('KP_SHUTDOWN_GRACE'))
    .addOption(new Option('--reload-interval <seconds>', 'period of the fallback check for a changed configuration or policies (0: file events only)').default(10).argParser(intIn('--reload-interval', 0, 3600)).env('KP_RELOAD_INTERVAL'))
    .action(async (opts: ControllerCommandOptions) => {
      const env = process.env;
      const policyDir = opts.policyDir ?? (env.KP_POLICY_DIRS ? env.KP_POLICY_DIRS.split(delimiter).filter((d) => d !== '') : []);
      let running: RunningController;
      try {
        running = await startController({ ...opts, policyDir });
      } catch (err) {
        const problems = err instanceof KubePostureError ? err.problems.map(formatProblem) : [];
        process.stderr.write(`kube-posture controller: ${errorMessage(err)}\n${problems.map((p) => `  ${p}\n`).join('')}`);
        process.exit(err instanceof KubePostureError && err.code === 'KP_ERR_CLUSTER_ACCESS' ? 2 : 1);
      }
      running.lifecycle.handleSignals();
    });
}

/** Loads the policies and cluster access (throwing when either is unusable), starts everything, and returns a handle. */
export async function startController(opts: ControllerCommandOptions, environment = process.env): Promise<RunningController> {
  const logger = createLogger({ level: opts.logLevel, base: { service: 'kube-posture', component: 'controller' } });
  const lifecycle = new ProcessLifecycle({ logger, graceSeconds: opts.shutdownGrace });
  const env = clusterEnvironment(environment, { ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), home: homedir() });
  const access = await loadKubeConfig({ ...(env.kubeconfigFile ? { kubeconfigFile: env.kubeconfigFile } : {}), inCluster: env.inCluster, ...(opts.context ? { context: opts.context } : {}) });
  if (access === undefined) throw new KubePostureError('KP_ERR_CLUSTER_ACCESS', 'no cluster access: no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod');
  if ('error' in access) throw new KubePostureError('KP_ERR_CLUSTER_ACCESS', `cluster access unusable: ${access.error}`);
  const cluster = env.kubeconfigFile ? access.kc.context : 'in-cluster';
  const api: ApiClient = apiClientFor(access.kc);

  // Objects in kube-posture's own namespace are exempt at admission; judged alike here, and reported as exempt.
  const ownNamespace = opts.leaseNamespace ?? env.saNamespace;
  const ownExemptions: ExemptionSet | undefined = ownNamespace ? { source: "webhook's own", exemptions: { namespaces: [ownNamespace] } } : undefined;
  const policies = await openPolicySource({
    ...(opts.config ? { configFile: opts.config } : {}),
    policyDirs: opts.policyDir ?? [],
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.mode ? { mode: opts.mode } : {}),
    ...(ownExemptions ? { ownExemptions } : {}),
    logger,
  });

  let elector: LeaderElector | undefined;
  let alerting: Alerting | undefined;
  let baselineTaken = false;
  if (opts.leaderElect && !ownNamespace) throw new KubePostureError('KP_ERR_CLUSTER_ACCESS', 'leader election needs the namespace of its Lease: set --lease-namespace (POD_NAMESPACE), or --leader-elect=false for a single replica');
  const controller = new PostureController({
    api,
    cluster,
    holder: policies.holder,
    logger,
    reports: { flavour: opts.reports, includePass: opts.includePass, maxReports: opts.maxReports, writesPerSecond: opts.writeRate },
    ...(opts.leaderElect ? { isLeader: () => elector?.isLeader() === true } : {}),
    rescanIntervalMs: opts.rescanInterval * 1000,
    pageSize: opts.pageSize,
    reportIntervalMs: opts.reportInterval * 1000,
    observer: {
      changed: (uid, result) => alerting?.alerter.changed(uid, result),
      baselineDone: () => {
        baselineTaken = true;
        alerting?.alerter.baselineDone();
      },
    },
  });
  // Scan alerts: every replica tracks findings; only the leader sends (see src/alerts/alerter.ts).
  const alertDeps: AlertingDeps = {
    registry: controller.metrics.registry,
    logger,
    env: environment,
    source: 'scan',
    isLeader: () => (opts.leaderElect ? elector?.isLeader() === true : true),
    eventsSink: () => eventsSink({ api: apiClientFor(access.kc, { timeoutMs: 5000 }), instance: opts.identity ?? hostname() }),
  };
  const alertsGraceMs = Math.min(5000, opts.shutdownGrace * 500);
  alerting = await startAlerting(policies.holder.current()?.set.fileConfig.alerts, alertDeps);
  // A reloaded `alerts:` is applied in place (the tracker and its baseline are kept). Alerts started
  // by a reload after the first scan take what is reported now as their baseline, so findings that
  // were already there are not announced as new.
  let alertsReload = Promise.resolve();
  const reloadAlerts = (): void => {
    alertsReload = alertsReload.then(async () => {
      const before = alerting;
      try {
        alerting = await reconfigureAlerting(alerting, policies.holder.current()?.set.fileConfig.alerts, alertDeps, alertsGraceMs);
      } catch (err) {
        logger.error({ err: errorMessage(err) }, 'alerts reload rejected; the previous alerts configuration keeps running');
        return;
      }
      if (alerting !== undefined && before === undefined && baselineTaken) {
        for (const uid of controller.state.reportedUids()) alerting.alerter.scan(uid, controller.state.reported(uid));
        alerting.alerter.baselineDone();
      }
    });
  };
  if (opts.leaderElect) {
    const log = logger.child({ component: 'leader-election' });
    // Unique per process, as client-go makes it: a process that finds its own identity in the Lease renews it.
    const identity = opts.identity ?? `${hostname()}_${randomUUID()}`;
    // Its own client with a timeout under the renew deadline: a hung renewal must not hold the next attempt.
    elector = new LeaderElector(apiClientFor(access.kc, { timeoutMs: 5000 }), {
      namespace: ownNamespace!,
      name: opts.leaseName,
      identity,
      log,
      onStartedLeading: () => {
        log.info({ identity }, 'leading: writing reports');
        controller.leadershipChanged(true);
      },
      onStoppedLeading: () => {
        log.warn({ identity }, 'lost the lease: stopped writing reports');
        controller.leadershipChanged(false);
      },
    });
  }
  controller.start();
  lifecycle.watch(policies.watch({ intervalMs: opts.reloadInterval * 1000, onResult: (r) => {
    if (!r.ok) return;
    controller.policiesChanged();
    reloadAlerts();
  } }));

  const ops = buildOpsServer({
    metrics: controller.metrics.registry,
    readiness: () => {
      const reasons = lifecycle.state.shuttingDown ? ['shutting down'] : controller.notReady();
      return { reasons, details: { leader: elector ? elector.isLeader() : true, objects: controller.state.size, reportsPending: controller.writer?.pending ?? 0 } };
    },
  }, logger, { report: { source: controller.report, access: opts.reportAccess } });
  await ops.listen({ host: opts.host, port: opts.opsPort });
  const oa = ops.server.address();
  const opsUrl = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${typeof oa === 'object' && oa ? oa.port : opts.opsPort}`;

  if (elector) elector.start();
  else controller.leadershipChanged(true);
  // Order on shutdown: the lease is released last, once the writer has stopped, so the next leader
  // does not race the last writes of this one.
  lifecycle.onShutdown('controller', async () => {
    await controller.stop();
    await alertsReload;
    await alerting?.alerter.close(alertsGraceMs);
    await elector?.stop({ release: true });
  });
  lifecycle.onShutdown('ops server', () => ops.close());
  logger.info({ cluster, server: api.server, ops: opsUrl, reportAccess: opts.reportAccess, reports: opts.reports, leaderElection: elector ? `${ownNamespace}/${opts.leaseName}` : 'off' }, 'posture controller started');
  logger.flush();
  return { opsUrl, controller, elector, get alerting() { return alerting; }, alertsSettled: () => alertsReload, logger, lifecycle, shutdown: (reason) => lifecycle.shutdown(reason) };
}
