import type { ScanReport } from '../scan/scan.js';

/** The whole report as JSON, for tools. Values are scalars only: no object contents are copied. */
export function renderJson(report: ScanReport): string {
  return JSON.stringify({
    summary: report.summary,
    problems: report.problems,
    objects: report.objects.map((o) => ({ ...o.ref, allowed: o.decision.allowed, findings: o.findings })),
  }, null, 2) + '\n';
}
