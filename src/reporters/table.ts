import type { Report } from '../results/model.js';
import type { ComplianceSummary } from '../compliance/score.js';
import { complianceLines } from './compliance-text.js';
import { objectName, sourceText } from './describe.js';

const ACTION_LABEL = { deny: 'DENY', warn: 'WARN', audit: 'AUDIT' } as const;

/** A report a person reads at a glance: one block per object with findings or an exemption, then a summary. */
export function renderTable(report: Report, compliance?: ComplianceSummary): string {
  return [...tableLines(report, compliance)].join('\n') + '\n';
}

/**
 * The table in pieces of about `chunkChars` characters, each ending in a newline: a large cluster's
 * table is hundreds of thousands of lines, written as it is made rather than held whole.
 */
export function* tableChunks(report: Report, compliance?: ComplianceSummary, chunkChars = 64 * 1024): Generator<string> {
  let batch: string[] = [];
  let size = 0;
  for (const line of tableLines(report, compliance)) {
    batch.push(line);
    size += line.length + 1;
    if (size >= chunkChars) {
      yield batch.join('\n') + '\n';
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0) yield batch.join('\n') + '\n';
}

function* tableLines(report: Report, compliance?: ComplianceSummary): Generator<string> {
  for (const o of report.objects) {
    if (o.status === 'exempt') {
      yield `exempt ${objectName(o.ref)}  (${sourceText(o.ref)}): ${o.exemptBy ?? ''}`;
      continue;
    }
    if (o.findings.length === 0) continue;
    // Under `--mode audit` or `warn` nothing is denied: deny-level findings are labelled as the webhook
    // words them ("would deny"), never DENY, and the object is not DENIED.
    const enforced = o.verdict.mode === 'enforce';
    yield `${!o.verdict.allowed ? 'DENIED' : o.verdict.outcome === 'would_deny' ? 'would deny' : 'ok    '} ${objectName(o.ref)}  (${sourceText(o.ref)})`;
    for (const f of o.findings) {
      yield `  ${(f.action === 'deny' && !enforced ? 'would deny' : ACTION_LABEL[f.action]).padEnd(5)} ${f.severity.padEnd(8)} ${f.policyId}: ${f.message}`;
      if (f.path !== '') yield `        at ${f.path}${f.line !== undefined ? ` (line ${f.line})` : ''}`;
      for (const e of f.evidence ?? []) yield `        via ${e}`;
      yield `        fix: ${f.remediation}`;
    }
  }
  for (const p of report.problems) yield `ERROR  ${p.file ?? ''}${p.line ? `:${p.line}` : ''} ${p.message}`;
  const s = report.summary;
  yield '';
  if (report.scope) {
    const sc = report.scope;
    const listed = Object.entries(sc.listed).filter(([, n]) => n > 0);
    const total = listed.reduce((a, [, n]) => a + n, 0);
    const rolled = Object.entries(sc.judgedThroughOwner);
    yield (`cluster ${sc.cluster}: ${total} object(s) listed (${listed.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})` +
      (rolled.length > 0 ? `; ${rolled.reduce((a, [, n]) => a + n, 0)} judged through their owner's pod template (${rolled.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''));
  }
  yield (`${s.objects} object(s) scanned: ${s.denied} would be denied; findings: ${s.findings.deny} deny, ${s.findings.warn} warn, ${s.findings.audit} audit` +
    ` (critical ${s.bySeverity.critical}, high ${s.bySeverity.high}, medium ${s.bySeverity.medium}, low ${s.bySeverity.low}, info ${s.bySeverity.info})` +
    (s.exempt > 0 ? `; ${s.exempt} exempt` : '') + (s.errors > 0 ? `; ${s.errors} policy error(s)` : '') + (report.problems.length > 0 ? `; ${report.problems.length} input problem(s)` : ''));
  const skipped = Object.entries(report.notInspected ?? {});
  if (skipped.length > 0) yield `not inspected (no enabled policy looks at their kind): ${skipped.reduce((a, [, n]) => a + n, 0)} object(s): ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`;
  if (compliance) {
    yield '';
    yield* complianceLines(compliance);
  }
}
