import { Option, type Command } from 'commander';
import { loadLibrary } from '../loader/load-policies.js';
import { formatProblem } from '../core/errors.js';
import { collect } from './option-parsers.js';
import { closestIds, explainPolicy, renderExplanation } from './explain.js';

/** `kube-posture explain <policy-id>`: what a policy checks and why, and how to fix what it finds. */
export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('what a policy checks and why: controls, parameters, action per profile, examples from its fixtures, how to fix')
    .argument('<policy-id>', 'a policy id, e.g. pss-privileged (kube-posture policies list shows them)')
    .option('--policy-dir <dir>', 'user policy directory (repeatable)', collect, [])
    .option('--no-builtin', 'leave out the built-in library')
    .addOption(new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (id: string, opts: { policyDir: string[]; builtin: boolean; output: string }) => {
      const { registry, problems } = await loadLibrary({ ...(opts.builtin ? {} : { builtinDir: false }), userDirs: opts.policyDir });
      for (const p of problems) process.stderr.write(`warning: ${formatProblem(p)}\n`);
      const registered = registry.policies.get(id);
      if (registered === undefined) {
        const near = closestIds(id, registry.policies.keys());
        process.stderr.write(`kube-posture explain: no policy ${JSON.stringify(id)}${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''} (kube-posture policies list shows every id)\n`);
        process.exitCode = 2;
        return;
      }
      const explanation = await explainPolicy(registered, registry);
      process.stdout.write(opts.output === 'json' ? JSON.stringify(explanation, null, 2) + '\n' : renderExplanation(explanation));
    });
}
