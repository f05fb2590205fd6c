import type { Report } from '../results/model.js';

/** The whole report as JSON, for tools. Values are scalars only: no object contents are copied. */
export function renderJson(report: Report): string {
  return JSON.stringify({
    summary: report.summary,
    problems: report.problems,
    objects: report.objects.map((o) => ({
      ...o.ref,
      allowed: o.verdict.allowed,
      status: o.status,
      ...(o.exemptBy !== undefined ? { exemptBy: o.exemptBy } : {}),
      ...(o.policyExemptions.length > 0 ? { policyExemptions: o.policyExemptions } : {}),
      findings: o.findings,
    })),
  }, null, 2) + '\n';
}
