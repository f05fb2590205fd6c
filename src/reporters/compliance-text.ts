/** The compliance summary as the table reporter prints it (JSON: `scan-document.ts`). */
import type { ComplianceSummary } from '../compliance/score.js';

/** One line per framework: mean control score, severity-weighted risk, how many controls applied. */
export function complianceLines(summary: ComplianceSummary): string[] {
  const width = Math.max(...summary.frameworks.map((f) => f.name.length));
  const lines = ['Compliance (mean control score; risk weighted by severity; docs/compliance.md):'];
  for (const f of summary.frameworks) {
    const uncovered = f.controls.filter((c) => c.status === 'not-covered').length;
    const tail = uncovered > 0 ? `; ${uncovered} not covered by the enabled policies` : '';
    lines.push(f.compliance === undefined
      ? `  ${f.name.padEnd(width)}  n/a: no control applied to the objects given${tail}`
      : `  ${f.name.padEnd(width)}  ${f.compliance.toFixed(1).padStart(5)}%  risk ${f.risk!.toFixed(1).padStart(5)}%  (${f.applied} control(s) applied${tail})`);
  }
  return lines;
}
