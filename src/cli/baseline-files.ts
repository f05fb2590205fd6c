/** `scan --baseline FILE` and `--write-baseline FILE`: the file side of src/results/baseline.ts. */
import { readFile, writeFile } from 'node:fs/promises';
import { KubePostureError } from '../core/errors.js';
import { applyBaseline, baselineOf, parseBaseline } from '../results/baseline.js';
import type { Report } from '../results/model.js';
import { packageVersion } from '../reporters/saved-scan.js';

export async function readBaselineFile(file: string): Promise<ReturnType<typeof parseBaseline>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new KubePostureError('KP_ERR_BASELINE_INVALID', `cannot read baseline ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseBaseline(text, file);
}

/**
 * Applies `--baseline` and carries out `--write-baseline`. A baseline is never written from a scan that
 * could not examine all its input (it would accept less than there is); the findings just written are
 * baselined in the report, so the run that writes it passes, and says how many it wrote.
 */
export async function baselineStep(report: Report, opts: { baseline?: string; writeBaseline?: string }): Promise<{ report: Report; note?: string }> {
  let out = report;
  if (opts.baseline !== undefined) out = applyBaseline(out, await readBaselineFile(opts.baseline));
  if (opts.writeBaseline === undefined) return { report: out };
  if (report.problems.length > 0) return { report: out, note: `baseline not written to ${opts.writeBaseline}: ${report.problems.length} input problem(s) left part of the input unexamined` };
  const baseline = baselineOf(report, `kube-posture ${packageVersion()}`);
  await writeFile(opts.writeBaseline, JSON.stringify(baseline, null, 2) + '\n');
  return { report: applyBaseline(out, baseline), note: `wrote ${baseline.findings.length} finding(s) to the baseline ${opts.writeBaseline}` };
}
