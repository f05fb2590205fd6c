/**
 * The pss-baseline and pss-restricted profiles against the Pod Security Admission golden fixtures, at
 * every version: every pass fixture allowed, every fail fixture denied.
 *
 * The fixtures are ../shared/conformance/psa when it is beside the project, else the test data of the
 * pinned k8s.io/pod-security-admission Go module (fetched through the module proxy, cached). When neither
 * can be had the test fails, saying why: it never skips.
 */
import t from 'tap';
import { LATEST_PSS_VERSION } from '../../src/core/version.js';
import { PSA_LEVELS, disagreementCount, fixtureCount, formatPsaReport, runPsaConformance } from '../../src/conformance/psa.js';
import { resolvePsaFixtures, type PsaFixtureSource } from '../../src/conformance/psa-fixtures.js';
import { errorMessage } from '../../src/core/errors.js';

// 4,537 fixtures (and, on a cold cache, the module download): more than tap's default per file when loaded.
t.setTimeout(600_000);

let source: PsaFixtureSource | undefined;
try {
  source = await resolvePsaFixtures();
} catch (err) {
  t.fail(`Pod Security Admission fixtures unavailable: ${errorMessage(err)}`);
}

if (source) {
  const report = await runPsaConformance(source.root);
  const count = fixtureCount(report);
  t.comment(`${count} fixtures from ${source.label}`);

  t.test('every level has every version from v1.0 to the latest, each with pass and fail fixtures', async (t) => {
    const all = Array.from({ length: LATEST_PSS_VERSION.minor + 1 }, (_, minor) => `v1.${minor}`);
    for (const level of PSA_LEVELS) {
      const groups = report.groups.filter((g) => g.level === level);
      t.same(groups.map((g) => g.version).reverse(), all, `${level}: v1.0 to v1.${LATEST_PSS_VERSION.minor} (${source.label})`);
      for (const g of groups) {
        t.ok(g.passTotal > 0 && g.failTotal > 0, `${level} ${g.version} has pass and fail fixtures`);
      }
    }
  });

  t.test('no disagreement with Pod Security Admission at any version', async (t) => {
    const disagreements = disagreementCount(report);
    // The table names every disagreeing fixture and our findings, so a failure is readable here.
    t.equal(disagreements, 0, disagreements === 0 ? `all ${count} fixtures agree (${source.label})` : formatPsaReport(report));
    for (const g of report.groups) {
      t.equal(g.passAllowed, g.passTotal, `${g.level} ${g.version}: pass fixtures allowed`);
      t.equal(g.failDenied, g.failTotal, `${g.level} ${g.version}: fail fixtures denied`);
    }
  });
}
