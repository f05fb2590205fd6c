/** What `scan` and `audit` share when they print a report: formats, exit codes, the tool version. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { rankNamespaces } from '../compliance/namespaces.js';
import { formatPssVersion } from '../core/version.js';
import { scoreCompliance } from '../compliance/score.js';
import type { PolicySet } from '../policy-set/policy-set.js';
import type { Report } from '../results/model.js';
import { renderTable } from '../reporters/table.js';
import { renderJson } from '../reporters/json.js';
import { renderSarif } from '../reporters/sarif.js';
import { renderJunit } from '../reporters/junit.js';
import { renderHtml } from '../reporters/html/render.js';
import { renderMarkdown } from '../reporters/markdown.js';
import { parseScanDocument } from '../reporters/read-scan.js';
import { buildScanDocument, type ScanDocument, type ScanPolicy } from '../reporters/scan-document.js';

/** Exit codes of `scan` and `audit` (documented in docs/cli.md). */
export const REPORT_EXIT = { ok: 0, findings: 1, error: 2 } as const;

export const REPORT_FORMATS = ['table', 'json', 'sarif', 'junit', 'html', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function checkReportOptions(opts: { output: string; failOn: string; mode?: string; since?: string }): void {
  if (!(REPORT_FORMATS as readonly string[]).includes(opts.output)) throw new Error(`unknown output format ${JSON.stringify(opts.output)}: use ${REPORT_FORMATS.join(', ')}`);
  if (!['deny', 'warn', 'never'].includes(opts.failOn)) throw new Error('--fail-on must be deny, warn or never');
  if (opts.mode !== undefined && !['enforce', 'warn', 'audit'].includes(opts.mode)) throw new Error('--mode must be enforce, warn or audit');
  if (opts.since !== undefined && opts.output !== 'markdown') throw new Error('--since goes with -o markdown');
}

export function packageVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // Source (tsx) and compiled (dist) layouts put package.json at different depths.
    }
  }
  return '0.0.0';
}

type ReportSet = Pick<PolicySet, 'registry' | 'engine' | 'fileConfig'>;

export interface RenderContext {
  /** What was scanned, for the saved scan and the page's title. */
  source: ScanDocument['source'];
  /** A previous saved scan (`--since`): the markdown summary lists what is new since. */
  since?: ScanDocument;
  now?: Date;
}

export function renderReport(report: Report, format: ReportFormat, set: ReportSet, context: RenderContext): string {
  switch (format) {
    case 'json':
      return renderJson(scanDocument(report, set, context));
    case 'html':
      return renderHtml([scanDocument(report, set, context)]);
    case 'markdown':
      return renderMarkdown([scanDocument(report, set, context)], context.since ? { since: context.since } : {});
    case 'sarif':
      return renderSarif(report, set.registry, packageVersion());
    case 'junit':
      return renderJunit(report);
    default:
      return renderTable(report, complianceOf(report, set));
  }
}

/** The saved scan of a report: results, compliance and the tool, policies and configuration that made them. */
export function scanDocument(report: Report, set: ReportSet, context: Pick<RenderContext, 'source' | 'now'>): ScanDocument {
  const toolVersion = packageVersion();
  const actions = new Map(set.engine.enabled.map((e) => [e.id, e.action] as const));
  const policies: ScanPolicy[] = [...set.registry.policies.values()]
    .filter((r) => actions.has(r.policy.id))
    .map((r) => ({
      id: r.policy.id,
      title: r.policy.title,
      severity: r.policy.severity,
      category: r.policy.category,
      controls: [...r.policy.controls],
      action: actions.get(r.policy.id)!,
      origin: r.source.origin,
      version: r.source.origin === 'builtin' ? toolVersion : fileDigest(r.source.file),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return buildScanDocument(report, complianceOf(report, set), rankNamespaces(report), {
    source: context.source,
    generatedAt: context.now ?? new Date(),
    toolVersion,
    policySet: { profile: set.fileConfig.profile, mode: set.engine.mode, pssVersion: formatPssVersion(set.engine.pssVersion), configDigest: `sha256:${sha256(canonicalJson(set.fileConfig))}`, policies },
  });
}

/** Reads `--since`: a saved scan, validated; a bad file throws naming it. */
export async function readSince(file: string | undefined): Promise<ScanDocument | undefined> {
  if (file === undefined) return undefined;
  return parseScanDocument(await readFile(file, 'utf8'), file);
}

/**
 * Scores the report against the frameworks. The policies that count are those the configuration
 * enables and those that ran anyway (Pod Security checks that namespace labels switch on).
 */
export function complianceOf(report: Report, set: Pick<PolicySet, 'registry' | 'engine'>, options: { failing?: boolean } = {}) {
  const ids = new Set(set.engine.enabled.map((e) => e.id));
  for (const o of report.objects) {
    for (const f of o.findings) ids.add(f.policyId);
    for (const id of o.passed ?? []) ids.add(id);
  }
  return scoreCompliance(report, set.registry, ids, options);
}

/** 2 when any input was not examined; 1 when a finding reaches `--fail-on`; else 0. */
export function reportExitCode(report: Report, failOn: string): number {
  if (report.problems.length > 0) return REPORT_EXIT.error;
  const hit = failOn === 'never' ? false : failOn === 'warn' ? report.summary.findings.deny + report.summary.findings.warn > 0 : report.summary.denied > 0;
  return hit ? REPORT_EXIT.findings : REPORT_EXIT.ok;
}

/** Standard output, or a file (`--output-file`), written whole. */
export async function writeOutput(text: string, file: string | undefined): Promise<void> {
  if (file === undefined || file === '-') process.stdout.write(text);
  else await writeFile(file, text);
}

/** A user policy's version: its source file's digest (the file may have gone since it loaded). */
function fileDigest(file: string): string {
  try {
    return `sha256:${sha256(readFileSync(file, 'utf8')).slice(0, 16)}`;
  } catch {
    return 'unknown';
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted at every level, so that equal configurations have equal digests. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}
