import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { defaultConfig, loadConfigFile } from '../config/load-config.js';
import { buildPolicySet, configBaseDir, policySetFromConfig } from '../policy-set/policy-set.js';
import { guardedRunner } from '../guard/guard.js';
import { manifestFiles } from '../scan/manifests.js';
import { errorMessage, formatProblem, KubePostureError, type Problem } from '../core/errors.js';
import { fixText, type Remaining } from '../fix/fix-text.js';
import { warnNotEnabled } from './not-enabled-warning.js';

/** Exit codes of `kube-posture fix` (documented in docs/cli.md). */
export const FIX_EXIT = { clean: 0, remaining: 1, error: 2 } as const;

const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * `kube-posture fix [PATH...]`: the findings that policies know how to fix, as a unified diff or (with
 * --write) rewritten in place; what cannot be fixed is listed on standard error.
 */
export function registerFixCommand(program: Command): void {
  program
    .command('fix')
    .description('fix what can be fixed mechanically: print a unified diff, or rewrite the files with --write; list what cannot be fixed')
    .argument('<paths...>', 'YAML/JSON manifests or directories')
    .option('-c, --config <file>', 'configuration file', process.env.KP_CONFIG)
    .option('-p, --profile <profile>', 'policy profile (overrides the file): recommended, pss-baseline, pss-restricted, all')
    .option('--policy-dir <dir>', 'extra user policy directory (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--no-builtin', 'leave out the built-in library (only --policy-dir and configured directories)')
    .option('-n, --namespace <ns>', 'namespace for objects that name none')
    .option('-w, --write', 'rewrite the files in place instead of printing a diff')
    .action(async (paths: string[], opts: { config?: string; builtin: boolean; profile?: string; policyDir: string[]; namespace?: string; write?: boolean }) => {
      try {
        if (paths.includes('-')) throw new Error('fix edits files: name them (standard input cannot be fixed in place; use scan for it)');
        const set = await policySetFromConfig(async () => (opts.config ? loadConfigFile(opts.config) : defaultConfig()), (fileConfig) => {
          if (opts.policyDir.length > 0) fileConfig.policyDirectories = [...fileConfig.policyDirectories, ...opts.policyDir];
          return buildPolicySet(fileConfig, { ...(opts.builtin ? {} : { builtinDir: false as const }), baseDir: configBaseDir(opts.config), ...(opts.profile ? { profile: opts.profile } : {}) });
        });
        for (const p of set.skipped) process.stderr.write(`warning: policy skipped: ${formatProblem(p)}\n`);
        warnNotEnabled(set);
        const runner = guardedRunner({ timeoutMs: set.engine.timeoutMs });
        const problems: Problem[] = [];
        const remaining: Remaining[] = [];
        let files: string[] = [];
        try {
          // Files only: a Helm chart's or Kustomize root's directory is walked as any other (fix edits what is on disk).
          files = await manifestFiles(paths, { render: false });
        } catch (err) {
          problems.push({ code: 'KP_ERR_INPUT_PARSE', message: `cannot read: ${errorMessage(err)}` });
        }
        let fixedTotal = 0;
        let changedFiles = 0;
        let sawObjects = false;
        for (const file of files) {
          let text: string;
          try {
            text = await readFile(file, 'utf8');
            if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
          } catch (err) {
            problems.push({ code: 'KP_ERR_INPUT_PARSE', message: `cannot read: ${errorMessage(err)}`, file });
            continue;
          }
          const r = fixText(text, file, { registry: set.registry, config: set.engine, runner, ...(opts.namespace ? { defaultNamespace: opts.namespace } : {}) });
          problems.push(...r.problems);
          for (const w of r.warnings) process.stderr.write(`kube-posture fix: warning: ${formatProblem(w)}\n`);
          remaining.push(...r.remaining);
          if (r.objects > 0) sawObjects = true;
          if (r.text === text) continue;
          changedFiles++;
          fixedTotal += r.fixed;
          if (opts.write) {
            await writeFile(file, r.text);
            process.stderr.write(`fixed ${file}: ${r.fixed} finding(s)\n`);
          } else {
            // git's a/ and b/ prefixes for paths under the working directory, so that `git apply` takes the diff.
            const shown = relative(process.cwd(), file);
            const [from, to] = shown.startsWith('..') || isAbsolute(shown) ? [file, file] : [`a/${shown}`, `b/${shown}`];
            process.stdout.write(createTwoFilesPatch(from, to, text, r.text, undefined, undefined, { context: 3 }).replace(/^(Index: [^\n]*\n)?=+\n/, ''));
          }
        }
        if (files.length > 0 && !sawObjects && problems.length === 0) problems.push({ code: 'KP_ERR_INPUT_EMPTY', message: `no Kubernetes objects found in ${paths.join(', ')}` });
        if (files.length === 0 && problems.length === 0) problems.push({ code: 'KP_ERR_INPUT_EMPTY', message: `no manifest files found in ${paths.join(', ')}` });
        for (const p of problems) process.stderr.write(`kube-posture fix: ${formatProblem(p)}\n`);
        for (const r of remaining) process.stderr.write(`cannot fix: ${r.file}:${r.line} ${r.object} ${r.policyId} at ${r.path || '(object)'}: ${r.message} (${r.reason})\n`);
        const verb = opts.write ? 'fixed' : 'fixable';
        process.stderr.write(`${fixedTotal} finding(s) ${verb} in ${changedFiles} file(s); ${remaining.length} cannot be fixed mechanically${problems.length > 0 ? `; ${problems.length} input problem(s), those files left as they are` : ''}\n`);
        process.exitCode = problems.length > 0 ? FIX_EXIT.error : remaining.length > 0 ? FIX_EXIT.remaining : FIX_EXIT.clean;
      } catch (err) {
        process.stderr.write(`kube-posture fix: ${errorMessage(err)}\n`);
        if (err instanceof KubePostureError) for (const p of err.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
        process.exitCode = FIX_EXIT.error;
      }
    });
}
