import type { Command } from 'commander';
import { defaultConfig, loadConfigFile } from '../config/load-config.js';
import { buildPolicySet, configBaseDir, policySetFromConfig } from '../policy-set/policy-set.js';
import { guardedRunner } from '../guard/guard.js';
import { ManifestReader } from '../scan/manifests.js';
import { ScanSession } from '../scan/scan.js';
import { policiesLackingData } from '../core/engine.js';
import { collect } from './option-parsers.js';
import { readVulnerabilityFiles } from '../vulnerabilities/read-files.js';
import { errorMessage, formatProblem, KubePostureError } from '../core/errors.js';
import type { Mode } from '../core/types.js';
import { baselineStep } from './baseline-files.js';
import { addTableOptions, progressLine, tableView } from './terminal.js';
import { checkReportOptions, defaultSarifRoot, readSince, renderReportChunks, REPORT_EXIT, writeOutput, REPORT_FORMATS, reportExitCode, type ReportFormat } from './report-output.js';
import { warnNotEnabled } from './not-enabled-warning.js';

/** Exit codes of `kube-posture scan` (documented in docs/cli.md). */
export const SCAN_EXIT = REPORT_EXIT;

export function registerScanCommand(program: Command): void {
  const scan = program
    .command('scan')
    .description('evaluate manifests (files, directories, - for stdin) as the webhook would evaluate their creation')
    .argument('<paths...>', 'YAML/JSON manifests or directories; - reads standard input (e.g. helm template ... | kube-posture scan -)')
    .option('-c, --config <file>', 'configuration file', process.env.KP_CONFIG)
    .option('-p, --profile <profile>', 'policy profile(s) (overrides the file): recommended, pss-baseline, pss-restricted, all; several comma-separated compose (the stricter action wins)')
    .option('--mode <mode>', 'enforce, warn or audit (overrides the file)')
    .option('--policy-dir <dir>', 'extra user policy directory (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--no-builtin', 'leave out the built-in library (only --policy-dir and configured directories)')
    .option('-n, --namespace <ns>', 'namespace for objects that name none')
    .option('-o, --output <format>', `${REPORT_FORMATS.join(', ')} (json is the saved scan that \`report\` reads; html one self-contained page)`, 'table')
    .option('--since <scan.json>', 'with -o markdown: list the findings that are new since this saved scan')
    .option('--fail-on <level>', 'exit 1 when a finding reaches: deny (default), warn, or never', 'deny')
    .option('--sarif-root <dir>', 'SARIF file paths are relative to this directory (default: the git work tree, else the current directory)')
    .option('--allow-empty', 'input with no Kubernetes objects is exit 0, not 2')
    .option('--vulnerabilities <file>', 'image scan results: `trivy image -f json` or `grype -o json` output (repeatable)', collect, [])
    .option('--helm-values <file>', 'values file for Helm charts in the input (helm template --values; repeatable)', collect, [])
    .option('--helm-set <key=value>', 'value for Helm charts in the input (helm template --set; repeatable)', collect, [])
    .option('--helm-release <name>', 'release name for Helm charts in the input', 'release-name')
    .option('--helm-namespace <ns>', 'namespace for Helm charts in the input (default: --namespace)');
  addTableOptions(scan)
    .option('--baseline <file>', 'findings in this baseline are reported as baselined and do not fail the scan')
    .option('--write-baseline <file>', 'write the current findings as a baseline (not written when input problems left input unexamined)')
    .action(async (paths: string[], opts: { config?: string; builtin: boolean; profile?: string; mode?: string; policyDir?: string[]; namespace?: string; output: string; failOn: string; allowEmpty?: boolean; sarifRoot?: string; since?: string; vulnerabilities: string[]; helmValues: string[]; helmSet: string[]; helmRelease: string; helmNamespace?: string; show?: string; minSeverity?: string; color?: boolean; baseline?: string; writeBaseline?: string }) => {
      try {
        checkReportOptions(opts);
        const table = tableView(opts);
        const set = await policySetFromConfig(async () => (opts.config ? loadConfigFile(opts.config) : defaultConfig()), (fileConfig) => {
          if (opts.policyDir && opts.policyDir.length > 0) fileConfig.policyDirectories = [...fileConfig.policyDirectories, ...opts.policyDir];
          return buildPolicySet(fileConfig, { ...(opts.builtin ? {} : { builtinDir: false as const }), baseDir: configBaseDir(opts.config), ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.mode ? { mode: opts.mode as Mode } : {}) });
        });
        for (const p of set.skipped) process.stderr.write(`warning: policy skipped: ${formatProblem(p)}\n`);
        warnNotEnabled(set);
        const vulnerabilities = opts.vulnerabilities.length > 0 ? await readVulnerabilityFiles(opts.vulnerabilities, new Date()) : undefined;
        const notRun = policiesLackingData(set.engine, vulnerabilities !== undefined);
        if (notRun.length > 0) process.stderr.write(`note: not run, no image scan results were given (--vulnerabilities FILE): ${notRun.join(', ')}\n`);
        // Objects are read and judged one document at a time (bounded memory whatever the input's size).
        const helmNamespace = opts.helmNamespace ?? opts.namespace;
        const reader = new ManifestReader({ helmValues: opts.helmValues, helmSet: opts.helmSet, helmRelease: opts.helmRelease, ...(helmNamespace ? { helmNamespace } : {}) });
        const session = new ScanSession(set, { runner: guardedRunner({ timeoutMs: set.engine.timeoutMs }), ...(opts.namespace ? { defaultNamespace: opts.namespace } : {}), ...(vulnerabilities ? { vulnerabilities } : {}) });
        // The number of objects is known only at the end of a stream: the progress line counts them.
        const progress = progressLine();
        let count = 0;
        let scanned;
        try {
          for await (const { object, at } of reader.objects(paths)) {
            session.add(object, () => reader.reread(at));
            count++;
            progress.onProgress?.(count);
          }
          progress.end();
          const problems = reader.problems;
          // An empty input is most often a broken pipeline (a template that rendered nothing): never a pass.
          if (count === 0 && problems.length === 0 && opts.allowEmpty !== true) {
            problems.push({ code: 'KP_ERR_INPUT_EMPTY', message: `no Kubernetes objects found in ${paths.map((p) => (p === '-' ? '<stdin>' : p)).join(', ')} (--allow-empty accepts that)` });
          }
          // Input problems reach the person at the terminal whatever format stdout carries; parser warnings too, with their file.
          for (const w of reader.warnings) process.stderr.write(`kube-posture scan: warning: ${formatProblem(w)}\n`);
          for (const p of problems) process.stderr.write(`kube-posture scan: ${formatProblem(p)}\n`);
          scanned = session.finish(problems);
        } finally {
          progress.end();
          reader.close();
        }
        const { report, note } = await baselineStep(scanned, opts);
        if (note !== undefined) process.stderr.write(`kube-posture scan: ${note}\n`);
        const since = await readSince(opts.since);
        // In pieces, as they are made: for 50,000 objects the table is 35 MB of text and the saved scan (-o json) 120 MB, neither held whole.
        await writeOutput(renderReportChunks(report, opts.output as ReportFormat, set, { source: { type: 'manifests', name: paths.join(' ') }, sarifRoot: opts.sarifRoot ?? defaultSarifRoot(), table, ...(since ? { since } : {}) }), undefined);
        process.exitCode = reportExitCode(report, opts.failOn);
      } catch (err) {
        process.stderr.write(`kube-posture scan: ${errorMessage(err)}\n`);
        if (err instanceof KubePostureError) for (const p of err.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
        process.exitCode = SCAN_EXIT.error;
      }
    });
}
