/**
 * The pss-baseline and pss-restricted profiles against the Pod Security Admission golden fixtures, at
 * every version: every pass fixture allowed, every fail fixture denied.
 */
import t from 'tap';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_PSA_FIXTURES, PSA_LEVELS, disagreementCount, formatPsaReport, runPsaConformance } from '../../src/conformance/psa.js';

const root = resolve(process.cwd(), DEFAULT_PSA_FIXTURES);
const present = await stat(root).then((s) => s.isDirectory(), () => false);

if (!present) {
  t.test('PSA conformance', { skip: `fixtures not found at ${root} (expected ../shared/conformance/psa beside the project)` }, async () => {});
} else {
  const report = await runPsaConformance(root);

  t.test('every level has versions, each with pass and fail fixtures', async (t) => {
    for (const level of PSA_LEVELS) {
      const groups = report.groups.filter((g) => g.level === level);
      t.ok(groups.length > 0, `${level} has versions`);
      for (const g of groups) {
        t.ok(g.passTotal > 0 && g.failTotal > 0, `${level} ${g.version} has pass and fail fixtures`);
      }
    }
  });

  t.test('no disagreement with Pod Security Admission at any version', async (t) => {
    const count = disagreementCount(report);
    // The table names every disagreeing fixture and our findings, so a failure is readable here.
    t.equal(count, 0, count === 0 ? 'all fixtures agree' : formatPsaReport(report));
    for (const g of report.groups) {
      t.equal(g.passAllowed, g.passTotal, `${g.level} ${g.version}: pass fixtures allowed`);
      t.equal(g.failDenied, g.failTotal, `${g.level} ${g.version}: fail fixtures denied`);
    }
  });
}
