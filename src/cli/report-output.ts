/** What `scan` and `audit` share when they print a report: formats, exit codes, the tool version. */
import { createWriteStream, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Report } from '../results/model.js';
import { renderTable, tableChunks, type TableView } from '../reporters/table.js';
import { renderJson, renderJsonChunks } from '../reporters/json.js';
import { renderSarif, sarifChunks, type SarifOptions } from '../reporters/sarif.js';
import { renderJunit } from '../reporters/junit.js';
import { renderHtml } from '../reporters/html/render.js';
import { renderMarkdown } from '../reporters/markdown.js';
import { parseScanDocument } from '../reporters/read-scan.js';
import type { ScanDocument } from '../reporters/scan-document.js';
import { complianceOf, packageVersion, scanDocument, scanDocumentStream, type ReportSet } from '../reporters/saved-scan.js';

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
  /** SARIF: file paths are relative to this directory (`--sarif-root`). */
  sarifRoot?: string;
  /** The table: `--show`, `--min-severity`, colour. */
  table?: TableView;
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
      return renderSarif(report, set.registry, packageVersion(), sarifOptions(context));
    case 'junit':
      return renderJunit(report);
    default:
      // The table prints scores only: no list of failing resources (500,000 entries for a large cluster).
      return renderTable(report, complianceOf(report, set, { failing: false }), context.table);
  }
}

/**
 * The report as pieces to write one after the other: the table of a large cluster (hundreds of
 * thousands of lines), the saved scan (`json`: each object and failing resource made as it is written)
 * and SARIF (each result) are never held whole; the other formats are one piece.
 */
export function renderReportChunks(report: Report, format: ReportFormat, set: ReportSet, context: RenderContext): Iterable<string> {
  if (format === 'table') return tableChunks(report, complianceOf(report, set, { failing: false }), undefined, context.table);
  if (format === 'json') return renderJsonChunks(scanDocumentStream(report, set, context));
  if (format === 'sarif') return sarifChunks(report, set.registry, packageVersion(), sarifOptions(context));
  return [renderReport(report, format, set, context)];
}

function sarifOptions(context: RenderContext): SarifOptions {
  return context.sarifRoot !== undefined ? { root: context.sarifRoot } : {};
}

/** Reads `--since`: a saved scan, validated; a bad file throws naming it. */
export async function readSince(file: string | undefined): Promise<ScanDocument | undefined> {
  if (file === undefined) return undefined;
  return parseScanDocument(await readFile(file, 'utf8'), file);
}

/**
 * 2 when any input was not examined; 1 when a finding reaches `--fail-on`; else 0. Findings in the
 * baseline (`--baseline`) never fail; what is shown (`--show`, `--min-severity`) never matters here.
 */
export function reportExitCode(report: Report, failOn: string): number {
  if (report.problems.length > 0) return REPORT_EXIT.error;
  if (failOn === 'never') return REPORT_EXIT.ok;
  for (const o of report.objects) {
    for (const f of o.findings) {
      if (f.baselined === true) continue;
      // deny: what the webhook would refuse (a deny finding under enforce); warn: any deny or warn finding.
      if (failOn === 'warn' ? f.action === 'deny' || f.action === 'warn' : f.action === 'deny' && !o.verdict.allowed) return REPORT_EXIT.findings;
    }
  }
  return REPORT_EXIT.ok;
}

/** The default `--sarif-root`: the git work tree the current directory is in, else the current directory. */
export function defaultSarifRoot(cwd = process.cwd()): string {
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(cwd);
    dir = up;
  }
}

/** Standard output, or a file (`--output-file`): a string written whole, pieces written as they come (with backpressure). */
export async function writeOutput(text: string | Iterable<string>, file: string | undefined): Promise<void> {
  const toStdout = file === undefined || file === '-';
  if (typeof text === 'string') {
    if (toStdout) process.stdout.write(text);
    else await writeFile(file, text);
    return;
  }
  if (toStdout) await pipeline(Readable.from(text), process.stdout, { end: false });
  else await pipeline(Readable.from(text), createWriteStream(file));
}
