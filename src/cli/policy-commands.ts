import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { loadLibrary } from '../loader/load-policies.js';
import { formatProblem } from '../core/errors.js';
import { runAllFixtures } from '../testing/fixtures.js';
import { buildRegistry } from '../core/registry.js';
import { guardedRunner } from '../guard/guard.js';
import { scaffoldPolicy } from './scaffold.js';
import { errorMessage } from '../core/errors.js';

/** `kube-posture policies ...`: tools for policy authors. */
export function registerPolicyCommands(program: Command): void {
  const policies = program.command('policies').description('list, test and scaffold policies');

  policies
    .command('list')
    .description('list the policies of the built-in library and the given directories')
    .option('-d, --dir <dir>', 'user policy directory (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--no-builtin', 'leave out the built-in library')
    .addOption(new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (opts: { dir?: string[]; builtin: boolean; output: string }) => {
      await requireDirectories(opts.dir ?? []);
      const { registry, problems } = await loadLibrary({ ...(opts.builtin ? {} : { builtinDir: false }), userDirs: opts.dir ?? [] });
      for (const p of problems) process.stderr.write(formatProblem(p) + '\n');
      const rows = [...registry.policies.values()].map(({ policy, source }) => ({ id: policy.id, category: policy.category, severity: policy.severity, action: policy.defaultAction, format: source.format, origin: source.origin, title: policy.title }));
      if (opts.output === 'json') process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else for (const r of rows) process.stdout.write(`${r.id.padEnd(44)} ${r.category.padEnd(14)} ${r.severity.padEnd(8)} ${r.action.padEnd(5)} ${r.title}\n`);
      process.exitCode = problems.length > 0 ? 1 : 0;
    });

  policies
    .command('test')
    .description("run every policy's pass and fail fixtures; exit 1 on any failure")
    .argument('[dirs...]', 'policy directories (default: the built-in library)')
    .action(async (dirs: string[]) => {
      await requireDirectories(dirs);
      const { registry, problems } = await loadLibrary(dirs.length > 0 ? { builtinDir: false, userDirs: dirs } : {});
      for (const p of problems) process.stderr.write(formatProblem(p) + '\n');
      const { results, problems: fixtureProblems } = await runAllFixtures(buildRegistry([...registry.policies.values()]).registry, guardedRunner({ timeoutMs: 1000 }));
      for (const p of fixtureProblems) process.stderr.write(`${p}\n`);
      let failed = 0;
      for (const r of results) {
        if (r.ok) continue;
        failed++;
        process.stdout.write(`FAIL ${r.fixture.file}#${r.fixture.index} (${r.fixture.expect}): ${r.reason ?? ''}\n`);
      }
      process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      process.exitCode = failed > 0 || problems.length > 0 || fixtureProblems.length > 0 ? 1 : 0;
    });

  policies
    .command('new')
    .description('scaffold a policy folder with an example check and passing fixtures')
    .argument('<category/id>', 'for example workload/no-host-aliases')
    .option('-d, --dir <dir>', 'policy directory to create it in', 'policies')
    .addOption(new Option('-f, --format <format>', 'ts or yaml').choices(['ts', 'yaml']).default('ts'))
    .addOption(new Option('-t, --target <target>', 'pod (Pods and every workload template) or object').choices(['pod', 'object']).default('pod'))
    .option('--sdk <import>', 'import path of the policy helpers', 'kube-posture/policy')
    .option('--not-in-recommended', 'leave it out of the recommended profile (default: in it at warn, so the default profile runs it)')
    .action(async (ref: string, opts: { dir: string; format: string; target: string; sdk: string; notInRecommended?: boolean }) => {
      const [category, id, ...rest] = ref.split('/');
      if (!category || !id || rest.length > 0) throw new Error(`policies new: expected <category>/<id> (for example workload/no-host-aliases), got ${JSON.stringify(ref)}`);
      try {
        const files = await scaffoldPolicy({ dir: opts.dir, category, id, format: opts.format as 'ts' | 'yaml', target: opts.target as 'pod' | 'object', sdkImport: opts.sdk, recommended: opts.notInRecommended !== true });
        for (const f of files) process.stdout.write(`created ${f}\n`);
        process.stdout.write(`next: edit the policy, then run: kube-posture policies test ${opts.dir}\n`);
      } catch (err) {
        process.stderr.write(`kube-posture: ${errorMessage(err)}\n`);
        process.exitCode = 2;
      }
    });
}

/** A directory named on the command line that is not there is a usage error (exit 2), not "0 passed". */
async function requireDirectories(dirs: readonly string[]): Promise<void> {
  for (const d of dirs) {
    const s = await stat(d).catch(() => undefined);
    if (s === undefined) throw new Error(`policy directory ${d} does not exist`);
    if (!s.isDirectory()) throw new Error(`${d} is not a directory`);
  }
}
