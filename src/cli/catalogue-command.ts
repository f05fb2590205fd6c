import type { Command } from 'commander';
import { loadLibrary } from '../loader/load-policies.js';
import { formatProblem } from '../core/errors.js';
import { buildCatalogue, FRAMEWORKS, type Catalogue } from '../catalogue/controls.js';

export interface CatalogueOptions {
  output: string;
  framework?: string;
  uncovered?: boolean;
}

/**
 * `kube-posture policies catalogue`: every compliance control with the policies that cover it.
 * Registers on the existing `policies` command when there is one, so it can be wired after
 * registerPolicyCommands without touching that module.
 */
export function registerCatalogueCommand(program: Command): void {
  const policies = program.commands.find((c) => c.name() === 'policies') ?? program.command('policies').description('list, test and scaffold policies');
  policies
    .command('catalogue')
    .description('list compliance controls (PSS, CIS, NSA, MITRE, CVE) and the policies that cover them')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('-f, --framework <id>', `only one framework: ${FRAMEWORKS.map((f) => f.id).join(', ')}`)
    .option('--uncovered', 'only controls no policy covers')
    .option('-d, --dir <dir...>', 'user policy directories to include')
    .option('--no-builtin', 'leave out the built-in library')
    .action(async (opts: CatalogueOptions & { dir?: string[]; builtin: boolean }) => {
      if (!['table', 'json'].includes(opts.output) || (opts.framework !== undefined && !FRAMEWORKS.some((f) => f.id === opts.framework))) {
        process.stderr.write(`invalid option: use -o table|json and -f ${FRAMEWORKS.map((f) => f.id).join('|')}\n`);
        process.exitCode = 2;
        return;
      }
      const { registry, problems } = await loadLibrary({ ...(opts.builtin ? {} : { builtinDir: false }), userDirs: opts.dir ?? [] });
      for (const p of problems) process.stderr.write(formatProblem(p) + '\n');
      const catalogue = buildCatalogue(registry);
      process.stdout.write(renderCatalogue(catalogue, opts));
      // Unknown control ids are a defect in a policy's metadata, like a load problem.
      process.exitCode = problems.length > 0 || catalogue.unknown.length > 0 ? 1 : 0;
    });
}

/** The command's output; pure, so it is tested without a process. */
export function renderCatalogue(catalogue: Catalogue, opts: CatalogueOptions): string {
  const controls = catalogue.controls.filter((c) => (opts.framework === undefined || c.framework === opts.framework) && (!opts.uncovered || c.policies.length === 0));
  if (opts.output === 'json') {
    return JSON.stringify({ controls, unknown: catalogue.unknown }, null, 2) + '\n';
  }
  const lines = controls.map((c) => {
    const covered = c.policies.length === 0 ? '-' : c.policies.map((p) => p.id).join(',');
    return `${c.id.padEnd(36)} ${covered.padEnd(48)} ${c.title}`;
  });
  for (const u of catalogue.unknown) lines.push(`${u.id.padEnd(36)} ${u.policies.join(',').padEnd(48)} (not in the catalogue)`);
  const covered = controls.filter((c) => c.policies.length > 0).length;
  lines.push(`${controls.length} controls, ${covered} covered${catalogue.unknown.length > 0 ? `, ${catalogue.unknown.length} unknown control ids named by policies` : ''}`);
  return lines.join('\n') + '\n';
}
