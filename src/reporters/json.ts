import type { ComplianceSummary } from '../compliance/score.js';
import type { Report } from '../results/model.js';
import { complianceJson } from './compliance-text.js';

/** The whole report as JSON, for tools. Values are scalars only: no object contents are copied. */
export function renderJson(report: Report, compliance?: ComplianceSummary): string {
  return JSON.stringify({
    summary: report.summary,
    problems: report.problems,
    // The same list under the name tools look for; `problems` stays for existing readers.
    errors: report.problems,
    ...(report.notInspected !== undefined ? { notInspected: report.notInspected } : {}),
    objects: report.objects.map((o) => ({
      ...o.ref,
      allowed: o.verdict.allowed,
      status: o.status,
      ...(o.exemptBy !== undefined ? { exemptBy: o.exemptBy } : {}),
      ...(o.policyExemptions.length > 0 ? { policyExemptions: o.policyExemptions } : {}),
      findings: o.findings,
    })),
    ...(compliance ? { compliance: complianceJson(compliance) } : {}),
  }, null, 2) + '\n';
}
