/** The compliance summary as the table and JSON reporters print it. */
import type { ComplianceSummary } from '../compliance/score.js';
import { objectName } from './describe.js';

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

/** The summary for JSON: counts and scores per control, failing resources by name, policy and path. */
export function complianceJson(summary: ComplianceSummary): unknown {
  return {
    frameworks: summary.frameworks.map((f) => ({
      id: f.id,
      name: f.name,
      compliance: f.compliance ?? null,
      risk: f.risk ?? null,
      applied: f.applied,
      controls: f.controls.map((c) => ({
        id: c.id,
        title: c.title,
        status: c.status,
        ...(c.severity ? { severity: c.severity } : {}),
        policies: c.policies,
        evaluated: c.evaluated,
        passed: c.passed,
        failed: c.failed,
        exempt: c.exempt,
        score: c.score ?? null,
        failing: c.failing.map((x) => ({ object: objectName(x.ref), policyId: x.policyId, path: x.path })),
      })),
    })),
  };
}
