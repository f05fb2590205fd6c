/** What `scan` and `audit` share when they print a report: formats, exit codes, the tool version. */
import { readFile, writeFile } from 'node:fs/promises';
import type { Report } from '../results/model.js';
import { renderTable } from '../reporters/table.js';
import { renderJson } from '../reporters/json.js';
import { renderSarif } from '../reporters/sarif.js';
import { renderJunit } from '../reporters/junit.js';
import { renderHtml } from '../reporters/html/render.js';
import { renderMarkdown } from '../reporters/markdown.js';
import { parseScanDocument } from '../reporters/read-scan.js';
import type { ScanDocument } from '../reporters/scan-document.js';
import { complianceOf, packageVersion, scanDocument, type ReportSet } from '../reporters/saved-scan.js';

export { complianceOf, packageVersion, scanDocument };

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

/** Reads `--since`: a saved scan, validated; a bad file throws naming it. */
export async function readSince(file: string | undefined): Promise<ScanDocument | undefined> {
  if (file === undefined) return undefined;
  return parseScanDocument(await readFile(file, 'utf8'), file);
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
