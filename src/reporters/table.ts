import type { Report } from '../results/model.js';
import type { ComplianceSummary } from '../compliance/score.js';
import { complianceLines } from './compliance-text.js';
import { objectName, sourceText } from './describe.js';

const ACTION_LABEL = { deny: 'DENY', warn: 'WARN', audit: 'AUDIT' } as const;

/** A report a person reads at a glance: one block per object with findings or an exemption, then a summary. */
export function renderTable(report: Report, compliance?: ComplianceSummary): string {
  const lines: string[] = [];
  for (const o of report.objects) {
    if (o.status === 'exempt') {
      lines.push(`exempt ${objectName(o.ref)}  (${sourceText(o.ref)}): ${o.exemptBy ?? ''}`);
      continue;
    }
    if (o.findings.length === 0) continue;
    lines.push(`${o.verdict.allowed ? 'ok    ' : 'DENIED'} ${objectName(o.ref)}  (${sourceText(o.ref)})`);
    for (const f of o.findings) {
      lines.push(`  ${ACTION_LABEL[f.action].padEnd(5)} ${f.severity.padEnd(8)} ${f.policyId}: ${f.message}`);
      if (f.path !== '') lines.push(`        at ${f.path}${f.line !== undefined ? ` (line ${f.line})` : ''}`);
      for (const e of f.evidence ?? []) lines.push(`        via ${e}`);
      lines.push(`        fix: ${f.remediation}`);
    }
  }
  for (const p of report.problems) lines.push(`ERROR  ${p.file ?? ''}${p.line ? `:${p.line}` : ''} ${p.message}`);
  const s = report.summary;
  lines.push('');
  if (report.scope) {
    const sc = report.scope;
    const listed = Object.entries(sc.listed).filter(([, n]) => n > 0);
    const total = listed.reduce((a, [, n]) => a + n, 0);
    const rolled = Object.entries(sc.judgedThroughOwner);
    lines.push(`cluster ${sc.cluster}: ${total} object(s) listed (${listed.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})` +
      (rolled.length > 0 ? `; ${rolled.reduce((a, [, n]) => a + n, 0)} judged through their owner's pod template (${rolled.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''));
  }
  lines.push(`${s.objects} object(s) scanned: ${s.denied} would be denied; findings: ${s.findings.deny} deny, ${s.findings.warn} warn, ${s.findings.audit} audit` +
    ` (critical ${s.bySeverity.critical}, high ${s.bySeverity.high}, medium ${s.bySeverity.medium}, low ${s.bySeverity.low}, info ${s.bySeverity.info})` +
    (s.exempt > 0 ? `; ${s.exempt} exempt` : '') + (s.errors > 0 ? `; ${s.errors} policy error(s)` : '') + (report.problems.length > 0 ? `; ${report.problems.length} input problem(s)` : ''));
  const skipped = Object.entries(report.notInspected ?? {});
  if (skipped.length > 0) lines.push(`not inspected (no enabled policy looks at their kind): ${skipped.reduce((a, [, n]) => a + n, 0)} object(s): ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (compliance) lines.push('', ...complianceLines(compliance));
  return lines.join('\n') + '\n';
}
