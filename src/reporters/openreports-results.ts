/**
 * The results of one OpenReports / wgpolicyk8s.io report: how findings, exemptions and passes become
 * `pass|fail|warn|error|skip` results, their order, their summary and the size bound. Pure: the clock
 * is passed in. Both flavours share this result shape (openreports.io/v1alpha1 `ReportResult` and
 * wgpolicyk8s.io/v1alpha2 `PolicyReportResult` have the same fields).
 */
import { sanitize } from '../core/decide.js';
import type { Severity } from '../core/types.js';
import { SEVERITIES } from '../core/types.js';
import type { ObjectResult, ResultFinding } from '../results/model.js';

export type ResultStatus = 'pass' | 'fail' | 'warn' | 'error' | 'skip';

/** `metav1.Timestamp`: the CRDs require both fields. */
export interface Timestamp {
  seconds: number;
  nanos: number;
}

export interface PolicyReportResult {
  policy: string;
  rule: string;
  result: ResultStatus;
  severity?: Severity;
  category?: string;
  message?: string;
  /** String values only: the CRDs declare `additionalProperties: {type: string}`. */
  properties?: Record<string, string>;
  /** False for `warn`: OpenReports defines warn as "requirements not met, policy not scored". */
  scored: boolean;
  source: string;
  timestamp: Timestamp;
}

export interface ReportSummary {
  pass: number;
  fail: number;
  warn: number;
  error: number;
  skip: number;
}

/** What a report knows of a policy that produced no finding (a pass or a per-policy skip). */
export interface PolicyInfo {
  severity: Severity;
  category: string;
  controls: readonly string[];
}

export interface ResultOptions {
  /** Add a `pass` result for every policy that ran and found nothing. Default false. */
  includePass?: boolean;
  /** The time every result is stamped with (reports are pure: no clock is read here). */
  now: Date;
  /** Severity, category and controls of a policy by id, for pass and skip results; usually the registry. */
  policyInfo?: (policyId: string) => PolicyInfo | undefined;
}

export const SOURCE = 'kube-posture';
/**
 * The pseudo-policy of an object a global exemption covers: no policy ran, yet the CRDs require a
 * policy name. The slash keeps it apart from every real policy id (kebab-case).
 */
export const EXEMPTION_POLICY = 'kube-posture/exemption';
/** Messages and property values are clipped to this: a policy's message is not a place for documents. */
export const TEXT_MAX_CHARS = 1024;

/**
 * A finding's result. Policy errors are `error` whatever their action. A deny-level finding is `fail`:
 * admission under `enforce` refuses the object. Warn- and audit-level findings are `warn` (not scored):
 * the configuration chose not to block on them, and ranking an audit finding above a warn one would
 * invert their order. The action stays in `properties.action`.
 */
export function statusOf(f: Pick<ResultFinding, 'kind' | 'action'>): ResultStatus {
  if (f.kind === 'error') return 'error';
  return f.action === 'deny' ? 'fail' : 'warn';
}

export function timestampOf(now: Date): Timestamp {
  const ms = now.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('report timestamp: invalid date');
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

function text(value: string): string {
  const clean = sanitize(value);
  return clean.length <= TEXT_MAX_CHARS ? clean : clean.slice(0, TEXT_MAX_CHARS - 1).toWellFormed() + '…';
}

/** Only non-empty string values, each clipped; undefined when none is left. */
function props(entries: Record<string, string | undefined>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined && v !== '') out[k] = text(v);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Drops undefined and empty values; the key order is the order a reader sees in YAML. */
function compact(fields: Omit<PolicyReportResult, 'severity' | 'category' | 'message' | 'properties'> & Partial<Record<'severity' | 'category' | 'message' | 'properties', unknown>>): PolicyReportResult {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '') out[k] = v;
  return out as unknown as PolicyReportResult;
}

function fromFinding(f: ResultFinding, timestamp: Timestamp): PolicyReportResult {
  const result = statusOf(f);
  return compact({
    policy: f.policyId,
    rule: f.policyId,
    result,
    severity: f.severity,
    category: f.category,
    message: text(f.message),
    // Ids, paths and messages only: a finding's `value` is never copied into a stored object.
    properties: props({ action: f.action, path: f.path, controls: f.controls.join(','), pssVersion: f.pssVersion }),
    scored: result !== 'warn',
    source: SOURCE,
    timestamp,
  });
}

function fromPolicy(policyId: string, result: 'pass' | 'skip', timestamp: Timestamp, info: PolicyInfo | undefined, reason?: string): PolicyReportResult {
  return compact({
    policy: policyId,
    rule: policyId,
    result,
    severity: info?.severity,
    category: info?.category,
    message: reason !== undefined ? text(`exempt: ${reason}`) : undefined,
    properties: props({ reason, controls: info?.controls.join(',') }),
    scored: true,
    source: SOURCE,
    timestamp,
  });
}

const STATUS_RANK: Record<ResultStatus, number> = { fail: 0, error: 1, warn: 2, skip: 3, pass: 4 };
const SEVERITY_RANK = new Map<Severity | undefined, number>(SEVERITIES.map((s, i) => [s, i]));

/** Most important first: fail, error, warn, skip, pass; then critical to info; then a stable text order. */
function compare(a: PolicyReportResult, b: PolicyReportResult): number {
  return STATUS_RANK[a.result] - STATUS_RANK[b.result]
    || (SEVERITY_RANK.get(a.severity) ?? SEVERITIES.length) - (SEVERITY_RANK.get(b.severity) ?? SEVERITIES.length)
    || cmp(a.policy, b.policy)
    || cmp(a.properties?.path ?? '', b.properties?.path ?? '')
    || cmp(a.message ?? '', b.message ?? '');
}
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every result of one object, most important first. The order is deterministic, so that the same
 * findings give the same report and a writer can skip unchanged ones.
 */
export function resultsOf(o: ObjectResult, options: ResultOptions): PolicyReportResult[] {
  const ts = timestampOf(options.now);
  const info = (id: string) => options.policyInfo?.(id);
  const out: PolicyReportResult[] = [];
  if (o.status === 'exempt') {
    const reason = o.exemptBy ?? 'exempt';
    out.push(compact({ policy: EXEMPTION_POLICY, rule: 'global', result: 'skip', message: text(`exempt from every policy: ${reason}`), properties: props({ reason }), scored: true, source: SOURCE, timestamp: ts }));
  }
  for (const f of o.findings) out.push(fromFinding(f, ts));
  for (const e of o.policyExemptions) out.push(fromPolicy(e.policyId, 'skip', ts, info(e.policyId), e.reason));
  if (options.includePass === true) for (const id of o.passed ?? []) out.push(fromPolicy(id, 'pass', ts, info(id)));
  return out.sort(compare);
}

export function summaryOf(results: readonly PolicyReportResult[]): ReportSummary {
  const s: ReportSummary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const r of results) s[r.result]++;
  return s;
}

export interface Budget {
  maxResults: number;
  /** Bytes of JSON the results may add to the rest of the object. */
  maxBytes: number;
}

/**
 * The longest prefix of `results` (most important first) within the budget. A prefix, not a best
 * fit: a small low-severity result never displaces a larger, more severe one.
 */
export function keepWithin(results: readonly PolicyReportResult[], budget: Budget): { kept: PolicyReportResult[]; omitted: number } {
  let bytes = 0;
  let n = 0;
  for (const r of results) {
    if (n >= budget.maxResults) break;
    // +1 for the comma between array elements.
    const size = Buffer.byteLength(JSON.stringify(r)) + 1;
    if (bytes + size > budget.maxBytes) break;
    bytes += size;
    n++;
  }
  return { kept: results.slice(0, n), omitted: results.length - n };
}
