import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { DEFAULT_PSA_FIXTURES, disagreementCount, fixtureCount, formatPsaReport, PSA_LEVELS, runPsaConformance, type PsaLevel } from '../conformance/psa.js';
import { errorMessage } from '../core/errors.js';

/**
 * `kube-posture conformance [dir]`: runs the Pod Security Admission golden fixtures against the
 * pss-baseline and pss-restricted profiles at every version; exit 1 on any disagreement.
 */
export function registerConformanceCommand(program: Command): void {
  program
    .command('conformance')
    .description('check the pss-* profiles against the Pod Security Admission golden fixtures; exit 1 on any disagreement')
    .argument('[dir]', 'fixture root holding <level>/<version>/<pass|fail>/*.yaml', DEFAULT_PSA_FIXTURES)
    .option('-l, --level <level...>', `levels to run (${PSA_LEVELS.join(', ')})`)
    .option('-v, --version <version...>', 'versions to run, e.g. v1.37')
    .action(async (dir: string, opts: { level?: string[]; version?: string[] }) => {
      const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
      if (!isDir) {
        process.stderr.write(`conformance: fixture directory ${dir} not found\n`);
        process.exitCode = 2;
        return;
      }
      const levels = opts.level?.filter((l): l is PsaLevel => (PSA_LEVELS as readonly string[]).includes(l));
      if (opts.level && levels?.length !== opts.level.length) {
        process.stderr.write(`conformance: unknown level in ${opts.level.join(', ')}; known: ${PSA_LEVELS.join(', ')}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const report = await runPsaConformance(dir, { ...(levels ? { levels } : {}), ...(opts.version ? { versions: opts.version } : {}) });
        process.stdout.write(formatPsaReport(report));
        process.exitCode = disagreementCount(report) > 0 || fixtureCount(report) === 0 ? 1 : 0;
      } catch (err) {
        process.stderr.write(`conformance: ${errorMessage(err)}\n`);
        process.exitCode = 2;
      }
    });
}
