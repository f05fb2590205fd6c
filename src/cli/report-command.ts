/**
 * `kube-posture report scan1.json [scan2.json ...]`: saved scans (`scan -o json`, `audit -o json`) drawn
 * as one self-contained HTML page or a short Markdown summary. Several scans of one source draw its trend;
 * scans of several clusters make a fleet view. Every input is validated against the saved-scan schema
 * first: a bad file is exit 2, named, and nothing is written.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { errorMessage } from '../core/errors.js';
import { renderHtml } from '../reporters/html/render.js';
import { renderMarkdown } from '../reporters/markdown.js';
import { parseScanDocument } from '../reporters/read-scan.js';
import type { ScanDocument } from '../reporters/scan-document.js';
import { readSince, writeOutput } from './report-output.js';

export const REPORT_COMMAND_EXIT = { ok: 0, error: 2 } as const;

const FORMAT_BY_EXTENSION: Record<string, 'html' | 'markdown'> = { '.html': 'html', '.htm': 'html', '.md': 'markdown', '.markdown': 'markdown' };

/** `-o html|markdown` prints; `-o FILE.html|FILE.md` writes the file in the format its extension names. */
export function outputTarget(output: string, outputFile: string | undefined): { format: 'html' | 'markdown'; file: string | undefined } {
  if (output === 'html' || output === 'markdown') return { format: output, file: outputFile };
  const format = FORMAT_BY_EXTENSION[extname(output).toLowerCase()];
  if (format === undefined) throw new Error(`-o ${JSON.stringify(output)}: use html or markdown, or a file name ending in .html or .md`);
  if (outputFile !== undefined) throw new Error('-o names the file already: leave out --output-file');
  return { format, file: output };
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('draw saved scans (scan/audit -o json) as one self-contained HTML page, or a Markdown summary')
    .argument('<scans...>', 'saved scans; several of one source draw its trend, several sources a fleet view')
    .option('-o, --output <format|file>', 'html or markdown to standard output, or a file name ending in .html or .md', 'html')
    .option('--output-file <file>', 'with -o html|markdown: write to this file')
    .option('--since <scan.json>', 'with markdown: list the findings that are new since this saved scan')
    .action(async (files: string[], opts: { output: string; outputFile?: string; since?: string }) => {
      try {
        const target = outputTarget(opts.output, opts.outputFile);
        if (opts.since !== undefined && target.format !== 'markdown') throw new Error('--since goes with markdown');
        const docs: ScanDocument[] = [];
        for (const file of files) docs.push(parseScanDocument(await readInput(file), file));
        const since = await readSince(opts.since);
        await writeOutput(target.format === 'html' ? renderHtml(docs) : renderMarkdown(docs, since ? { since } : {}), target.file);
        process.exitCode = REPORT_COMMAND_EXIT.ok;
      } catch (err) {
        process.stderr.write(`kube-posture report: ${errorMessage(err)}\n`);
        process.exitCode = REPORT_COMMAND_EXIT.error;
      }
    });
}

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
}
