import type { Command } from 'commander';
import { disagreementCount, fixtureCount, formatPsaReport, PSA_LEVELS, runPsaConformance, type PsaLevel } from '../conformance/psa.js';
import { PSA_MODULE, resolvePsaFixtures, SHARED_PSA_FIXTURES, type PsaFixtureSource } from '../conformance/psa-fixtures.js';
import { errorMessage } from '../core/errors.js';

/**
 * `kube-posture conformance [dir]`: runs the Pod Security Admission golden fixtures against the
 * pss-baseline and pss-restricted profiles at every version; exit 1 on any disagreement or when no
 * fixture ran, 2 when the fixtures cannot be had. Without a directory: ../shared/conformance/psa when
 * present, else the test data of the pinned Go module (src/conformance/psa-fixtures.ts).
 */
export function registerConformanceCommand(program: Command): void {
  program
    .command('conformance')
    .description('check the pss-* profiles against the Pod Security Admission golden fixtures; exit 1 on any disagreement')
    .argument('[dir]', `fixture root holding <level>/<version>/<pass|fail>/*.yaml (default: ${SHARED_PSA_FIXTURES} beside the project when present, else the test data of the pinned Go module ${PSA_MODULE})`)
    .option('-l, --level <level...>', `levels to run (${PSA_LEVELS.join(', ')})`)
    .option('-v, --version <version...>', 'versions to run, e.g. v1.37')
    .action(async (dir: string | undefined, opts: { level?: string[]; version?: string[] }) => {
      const levels = opts.level?.filter((l): l is PsaLevel => (PSA_LEVELS as readonly string[]).includes(l));
      if (opts.level && levels?.length !== opts.level.length) {
        process.stderr.write(`conformance: unknown level in ${opts.level.join(', ')}; known: ${PSA_LEVELS.join(', ')}\n`);
        process.exitCode = 2;
        return;
      }
      let source: PsaFixtureSource;
      try {
        source = await resolvePsaFixtures(dir);
      } catch (err) {
        process.stderr.write(`conformance: no fixtures: ${errorMessage(err)}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(`fixtures: ${source.label}\n\n`);
      try {
        const report = await runPsaConformance(source.root, { ...(levels ? { levels } : {}), ...(opts.version ? { versions: opts.version } : {}) });
        process.stdout.write(formatPsaReport(report));
        const count = fixtureCount(report);
        if (count === 0) process.stderr.write(`conformance: no fixture found under ${source.root}${opts.level || opts.version ? ' for the levels and versions asked for' : ''}\n`);
        process.exitCode = disagreementCount(report) > 0 || count === 0 ? 1 : 0;
      } catch (err) {
        process.stderr.write(`conformance: ${errorMessage(err)}\n`);
        process.exitCode = 2;
      }
    });
}
