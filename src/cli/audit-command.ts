/**
 * `kube-posture audit`: the live cluster, judged once. The composition root of the live scan: flags
 * and kubeconfig become an API client and policy sets here; `src/live/audit.ts` does the listing and
 * evaluation; reporters print the same formats as `scan`.
 */
import { homedir } from 'node:os';
import { Command, Option, InvalidArgumentError } from 'commander';
import { defaultConfig, loadConfigFile, type FileConfig } from '../config/load-config.js';
import { errorMessage, formatProblem, KubePostureError } from '../core/errors.js';
import type { Mode } from '../core/types.js';
import { apiClientFor } from '../cluster/api.js';
import { clusterEnvironment, loadKubeConfig } from '../cluster/kubeconfig.js';
import { guardedRunner } from '../guard/guard.js';
import { auditCluster, type AuditRun } from '../live/audit.js';
import { labelPatch, parseWhatIf, type WhatIf } from '../live/what-if.js';
import { buildPolicySet, configBaseDir, type PolicySet, type PolicySetOptions } from '../policy-set/policy-set.js';
import { wouldDeny } from '../results/compare.js';
import { renderWhatIfJson, renderWhatIfTable } from '../reporters/what-if.js';
import { renderOpenReports, registryPolicyInfo } from '../reporters/openreports.js';
import { checkReportOptions, readSince, renderReportChunks, REPORT_EXIT, REPORT_FORMATS, reportExitCode, writeOutput, type ReportFormat } from './report-output.js';
import { warnNotEnabled } from './not-enabled-warning.js';
import { addTableOptions, tableView } from './terminal.js';

/** Formats only a live scan can give: report objects need the resource's uid. */
const CLUSTER_FORMATS = { openreports: 'openreports', policyreport: 'wgpolicy' } as const;

interface AuditOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  config?: string;
  profile?: string;
  mode?: string;
  policyDir: string[];
  builtin: boolean;
  output: string;
  outputFile?: string;
  failOn: string;
  whatIf?: string;
  pageSize: number;
  includePass?: boolean;
  since?: string;
  show?: string;
  minSeverity?: string;
  color?: boolean;
}

const positiveInt = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 5000) throw new InvalidArgumentError(`${name} must be an integer from 1 to 5000`);
  return n;
};

export function registerAuditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description('judge what already runs in a cluster: list every kind the enabled policies inspect and evaluate it as the webhook would')
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig (default: KUBECONFIG, ~/.kube/config, or the in-cluster service account)').env('KP_KUBECONFIG'))
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('-n, --namespace <ns>', 'only this namespace (cluster-scoped kinds are then not listed)')
    .option('-A, --all-namespaces', 'every namespace and cluster-scoped kinds (the default)')
    .option('-l, --selector <selector>', 'label selector for the objects listed, as kubectl takes it')
    .addOption(new Option('-c, --config <file>', 'configuration file').env('KP_CONFIG'))
    .option('-p, --profile <profile>', 'policy profile(s) (overrides the file): recommended, pss-baseline, pss-restricted, all; several comma-separated compose (the stricter action wins)')
    .option('--mode <mode>', 'enforce, warn or audit (overrides the file)')
    .option('--policy-dir <dir>', 'extra user policy directory (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--no-builtin', 'leave out the built-in library')
    .option('-o, --output <format>', 'table, json (the saved scan that `report` reads), sarif, junit, html (one self-contained page), markdown, openreports (Report/ClusterReport objects for kubectl apply) or policyreport (wgpolicyk8s.io/v1alpha2)', 'table')
    .option('--since <scan.json>', 'with -o markdown: list the findings that are new since this saved scan')
    .option('--output-file <file>', 'write the report to this file instead of standard output')
    .option('--include-pass', 'with -o openreports|policyreport: a pass result for every policy that found nothing')
    .option('--fail-on <level>', 'exit 1 when a finding reaches: deny (default), warn, or never', 'deny');
  addTableOptions(audit)
    .option('--what-if <setting>', 'list the running objects a new setting would deny: profile=NAME, mode=MODE, config=FILE, or namespace=NS,enforce=LEVEL[,version=v1.N]')
    .addOption(new Option('--page-size <n>', 'objects per list page').default(500).argParser(positiveInt('--page-size')))
    .action(async (opts: AuditOptions) => {
      try {
        process.exitCode = await runAudit(opts);
      } catch (err) {
        process.stderr.write(`kube-posture audit: ${errorMessage(err)}\n`);
        if (err instanceof KubePostureError) for (const p of err.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
        process.exitCode = REPORT_EXIT.error;
      }
    });
}

async function runAudit(opts: AuditOptions): Promise<number> {
  const clusterFormat = opts.output in CLUSTER_FORMATS ? CLUSTER_FORMATS[opts.output as keyof typeof CLUSTER_FORMATS] : undefined;
  if (clusterFormat === undefined && !(REPORT_FORMATS as readonly string[]).includes(opts.output)) throw new Error(`unknown output format ${JSON.stringify(opts.output)}: use ${[...REPORT_FORMATS, ...Object.keys(CLUSTER_FORMATS)].join(', ')}`);
  checkReportOptions({ ...opts, output: clusterFormat !== undefined ? 'json' : opts.output });
  if (opts.namespace !== undefined && opts.allNamespaces) throw new Error('--namespace and --all-namespaces exclude each other');
  const whatIf = opts.whatIf !== undefined ? parseWhatIf(opts.whatIf) : undefined;
  if (whatIf && !['table', 'json'].includes(opts.output)) throw new Error('--what-if prints table or json');
  // The what-if list names objects and policies, with no findings to filter (and never any colour).
  if (whatIf && (opts.show !== undefined || opts.minSeverity !== undefined)) throw new Error('--show and --min-severity filter the findings table; --what-if prints its own list of the objects that would be denied, which they do not apply to');
  // Colour only where a person reads: standard output on a terminal, never a file.
  const toStdout = opts.outputFile === undefined || opts.outputFile === '-';
  const table = tableView(opts, toStdout ? process.stdout : { isTTY: false });

  const base: PolicySetOptions = { ...(opts.builtin ? {} : { builtinDir: false as const }), baseDir: configBaseDir(opts.config), ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.mode ? { mode: opts.mode as Mode } : {}) };
  const withDirs = (fc: FileConfig): FileConfig => ({ ...fc, policyDirectories: [...fc.policyDirectories, ...opts.policyDir] });
  const fileConfig = withDirs(opts.config ? await loadConfigFile(opts.config) : defaultConfig());
  const set = await buildPolicySet(fileConfig, base);
  for (const p of set.skipped) process.stderr.write(`warning: policy skipped: ${formatProblem(p)}\n`);
  warnNotEnabled(set);
  const runs: AuditRun[] = [{ set }];
  if (whatIf) runs.push(await whatIfRun(whatIf, fileConfig, base, set, withDirs));

  const env = clusterEnvironment(process.env, { ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), home: homedir() });
  const access = await loadKubeConfig({ ...(env.kubeconfigFile ? { kubeconfigFile: env.kubeconfigFile } : {}), inCluster: env.inCluster, ...(opts.context ? { context: opts.context } : {}) });
  if (access === undefined) throw new KubePostureError('KP_ERR_CLUSTER_ACCESS', 'no cluster access: no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod');
  if ('error' in access) throw new KubePostureError('KP_ERR_CLUSTER_ACCESS', `cluster access unusable: ${access.error}`);
  const cluster = env.kubeconfigFile ? access.kc.context : 'in-cluster';
  const api = apiClientFor(access.kc);

  const reports = await auditCluster(api, runs, {
    cluster,
    runner: guardedRunner({ timeoutMs: set.engine.timeoutMs }),
    pageSize: opts.pageSize,
    onNote: (text) => process.stderr.write(`note: ${text}\n`),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ...(opts.selector ? { labelSelector: opts.selector } : {}),
  });
  if (whatIf) {
    const [now, then] = reports as [typeof reports[0], typeof reports[0]];
    const result = { setting: whatIf.text, cluster, objects: then.objects.length, wouldDeny: wouldDeny(now, then), problems: then.problems };
    await writeOutput(opts.output === 'json' ? renderWhatIfJson(result) : renderWhatIfTable(result), opts.outputFile);
    return result.problems.length > 0 ? REPORT_EXIT.error : result.wouldDeny.length > 0 ? REPORT_EXIT.findings : REPORT_EXIT.ok;
  }
  const report = reports[0]!;
  if (clusterFormat !== undefined) {
    const rendered = renderOpenReports(report, { flavour: clusterFormat, now: new Date(), includePass: opts.includePass === true, policyInfo: registryPolicyInfo(set.registry) });
    for (const s of rendered.skipped) process.stderr.write(`warning: no report for ${s.object}: ${s.reason}\n`);
    for (const p of report.problems) process.stderr.write(`kube-posture audit: ${p.message}\n`);
    await writeOutput(rendered.text, opts.outputFile);
    return reportExitCode(report, opts.failOn);
  }
  const since = await readSince(opts.since);
  await writeOutput(renderReportChunks(report, opts.output as ReportFormat, set, { source: { type: 'cluster', name: cluster }, table, ...(since ? { since } : {}) }), opts.outputFile);
  return reportExitCode(report, opts.failOn);
}

/** The policy set and label patches of the what-if setting, built like the one in force. */
async function whatIfRun(whatIf: WhatIf, fileConfig: FileConfig, base: PolicySetOptions, current: PolicySet, withDirs: (fc: FileConfig) => FileConfig): Promise<AuditRun> {
  switch (whatIf.kind) {
    case 'profile':
      return { set: await buildPolicySet(fileConfig, { ...base, profile: whatIf.profile }) };
    case 'mode':
      return { set: await buildPolicySet(fileConfig, { ...base, mode: whatIf.mode }) };
    case 'config': {
      const fc = withDirs(await loadConfigFile(whatIf.file));
      const { profile: _p, mode: _m, ...rest } = base;
      return { set: await buildPolicySet(fc, { ...rest, baseDir: configBaseDir(whatIf.file) }) };
    }
    case 'namespace':
      return { set: current, labelPatches: labelPatch(whatIf, current.fileConfig.namespaceLabels.prefix) };
  }
}
