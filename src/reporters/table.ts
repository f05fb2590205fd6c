import type { ObjectResult, Report, ResultFinding } from '../results/model.js';
import type { ComplianceSummary } from '../compliance/score.js';
import { ACTION_RANK, SEVERITIES, type Severity } from '../core/types.js';
import { complianceLines } from './compliance-text.js';
import { objectName, sourceText } from './describe.js';

const ACTION_LABEL = { deny: 'DENY', warn: 'WARN', audit: 'AUDIT' } as const;

/** Which findings a person wants to read: `--show` and `--min-severity`. They filter lines, never counts. */
export interface TableView {
  /** `all` (default), `warn` (deny and warn), `deny` (deny only). */
  show?: 'all' | 'deny' | 'warn';
  minSeverity?: Severity;
  /** ANSI colour (decided by the command: a TTY, NO_COLOR, FORCE_COLOR, --no-color). */
  color?: boolean;
  /** Most policies listed in the summary by policy. */
  maxPolicies?: number;
}

type Style = 'red' | 'boldRed' | 'yellow' | 'cyan' | 'green' | 'dim' | 'bold';
const SGR: Record<Style, [string, string]> = { red: ['31', '39'], boldRed: ['1;31', '22;39'], yellow: ['33', '39'], cyan: ['36', '39'], green: ['32', '39'], dim: ['2', '22'], bold: ['1', '22'] };

/** A report a person reads at a glance: one block per object, the worst first, then a summary by policy and severity. */
export function renderTable(report: Report, compliance?: ComplianceSummary, view: TableView = {}): string {
  return [...tableLines(report, compliance, view)].join('\n') + '\n';
}

/**
 * The table in pieces of about `chunkChars` characters, each ending in a newline: a large cluster's
 * table is hundreds of thousands of lines, written as it is made rather than held whole.
 */
export function* tableChunks(report: Report, compliance?: ComplianceSummary, chunkChars = 64 * 1024, view: TableView = {}): Generator<string> {
  let batch: string[] = [];
  let size = 0;
  for (const line of tableLines(report, compliance, view)) {
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

/** An object's place in the table: denied, would be denied (audit/warn mode), warned, audited, exempt or clean. */
function rankOf(o: ObjectResult): number {
  if (!o.verdict.allowed) return 0;
  let best = 5;
  for (const f of o.findings) best = Math.min(best, f.kind === 'error' && f.action !== 'deny' ? 2 : 4 - ACTION_RANK[f.action]);
  if (best === 5 && (o.status === 'exempt' || o.policyExemptions.length > 0)) best = 4;
  return best;
}
const LABELS: Record<number, [string, Style]> = { 0: ['DENIED', 'boldRed'], 1: ['would deny', 'red'], 2: ['WARNED', 'yellow'], 3: ['AUDITED', 'cyan'] };

function* tableLines(report: Report, compliance: ComplianceSummary | undefined, view: TableView): Generator<string> {
  const c = (style: Style, text: string) => (view.color === true ? `\x1b[${SGR[style][0]}m${text}\x1b[${SGR[style][1]}m` : text);
  const minRank = view.show === 'deny' ? 3 : view.show === 'warn' ? 2 : 1;
  const maxSeverity = SEVERITIES.indexOf(view.minSeverity ?? 'info');
  const shown = (f: ResultFinding) => ACTION_RANK[f.action] >= minRank && SEVERITIES.indexOf(f.severity) <= maxSeverity;
  const filtered = minRank > 1 || maxSeverity < SEVERITIES.length - 1;
  let hidden = 0;
  // The worst first, one pass per rank: the objects are never copied or sorted (a cluster has 100,000s).
  for (let rank = 0; rank <= 4; rank++) {
    for (const o of report.objects) {
      if (rankOf(o) !== rank) continue;
      if (o.status === 'exempt') {
        if (!filtered) yield `${c('dim', 'exempt')} ${objectName(o.ref)}  (${sourceText(o.ref)}): ${o.exemptBy ?? ''}`;
        continue;
      }
      const findings = o.findings.filter(shown).sort((a, b) => ACTION_RANK[b.action] - ACTION_RANK[a.action] || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
      hidden += o.findings.length - findings.length;
      const exemptions = filtered ? [] : o.policyExemptions;
      if (findings.length === 0 && exemptions.length === 0) continue;
      // Rank 4 here: no finding shown, some policies exempt; it passed what ran.
      const [label, style] = LABELS[rank] ?? ['ok', 'green'];
      yield `${c(style, label)} ${c('bold', objectName(o.ref))}  (${sourceText(o.ref)})`;
      for (const f of findings) {
        // Under `--mode audit` or `warn` nothing is denied: deny-level findings are worded as the webhook words them.
        const action = (f.action === 'deny' && o.verdict.mode !== 'enforce' ? 'would deny' : ACTION_LABEL[f.action]).padEnd(5);
        const styled = f.baselined === true ? c('dim', action) : c(f.action === 'deny' ? 'red' : f.action === 'warn' ? 'yellow' : 'cyan', action);
        yield `  ${styled} ${f.severity.padEnd(8)} ${f.policyId}: ${f.message}${f.baselined === true ? c('dim', ' (baselined)') : ''}`;
        if (f.path !== '') yield c('dim', `        at ${f.path}${f.line !== undefined ? ` (line ${f.line})` : ''}`);
        for (const e of f.evidence ?? []) yield c('dim', `        via ${e}`);
        yield c('dim', `        fix: ${f.remediation}`);
      }
      for (const e of exemptions) yield `  ${c('dim', 'exempt')} ${e.policyId}: ${e.reason}`;
    }
  }
  for (const p of report.problems) yield `${c('boldRed', 'ERROR')}  ${p.file ?? ''}${p.line ? `:${p.line}` : ''} ${p.message}`;
  yield* summaryLines(report, view, hidden, c);
  if (compliance) {
    yield '';
    yield* complianceLines(compliance);
  }
}

function* summaryLines(report: Report, view: TableView, hidden: number, c: (style: Style, text: string) => string): Generator<string> {
  const s = report.summary;
  const byPolicy = new Map<string, { deny: number; warn: number; audit: number; severity: Severity; baselined: number }>();
  let baselined = 0;
  for (const o of report.objects) {
    for (const f of o.findings) {
      let e = byPolicy.get(f.policyId);
      if (e === undefined) byPolicy.set(f.policyId, (e = { deny: 0, warn: 0, audit: 0, severity: f.severity, baselined: 0 }));
      e[f.action]++;
      if (f.baselined === true) {
        e.baselined++;
        baselined++;
      }
    }
  }
  if (byPolicy.size > 0) {
    yield '';
    yield c('bold', 'By policy (findings):');
    const max = view.maxPolicies ?? 25;
    const rows = [...byPolicy].sort(([ia, a], [ib, b]) => b.deny - a.deny || b.warn - a.warn || b.audit - a.audit || (ia < ib ? -1 : ia > ib ? 1 : 0)); // ids are ASCII; localeCompare's first call loads ICU's collator (~10 ms of a one-file scan)
    const width = Math.min(60, Math.max(...rows.slice(0, max).map(([id]) => id.length)));
    for (const [id, e] of rows.slice(0, max)) {
      const parts = (['deny', 'warn', 'audit'] as const).filter((a) => e[a] > 0).map((a) => `${e[a]} ${a}`);
      yield `  ${id.padEnd(width)}  ${e.severity.padEnd(8)} ${parts.join(', ')}${e.baselined > 0 ? ` (${e.baselined} baselined)` : ''}`;
    }
    if (rows.length > max) yield `  ... and ${rows.length - max} more policies (-o json lists every finding)`;
    yield `By severity: critical ${s.bySeverity.critical}, high ${s.bySeverity.high}, medium ${s.bySeverity.medium}, low ${s.bySeverity.low}, info ${s.bySeverity.info}`;
  }
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
    (baselined > 0 ? `; ${baselined} baselined` : '') +
    (s.exempt > 0 ? `; ${s.exempt} exempt` : '') + (s.errors > 0 ? `; ${s.errors} policy error(s)` : '') + (report.problems.length > 0 ? `; ${report.problems.length} input problem(s)` : ''));
  if (hidden > 0) {
    const why = [view.show !== undefined && view.show !== 'all' ? `--show ${view.show}` : '', view.minSeverity !== undefined ? `--min-severity ${view.minSeverity}` : ''].filter((x) => x !== '').join(' ');
    yield `${hidden} finding(s) not shown (${why}); they still count for the exit code (--fail-on)`;
  }
  const skipped = Object.entries(report.notInspected ?? {});
  if (skipped.length > 0) yield `not inspected (no enabled policy looks at their kind): ${skipped.reduce((a, [, n]) => a + n, 0)} object(s): ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`;
}
