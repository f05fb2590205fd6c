/** `--vulnerabilities FILE`: scanner reports read into the core's index. */
import { readFile } from 'node:fs/promises';
import { KubePostureError, errorMessage } from '../core/errors.js';
import { VulnerabilityIndex } from '../core/vulnerabilities.js';
import { parseScannerReport } from './scanner-reports.js';

/** Scanner reports are small (tens of MB at worst); a larger file is refused rather than held. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/** Reads every file; the first one that cannot be used throws KP_ERR_INPUT_PARSE naming it. */
export async function readVulnerabilityFiles(files: readonly string[], now: Date): Promise<VulnerabilityIndex> {
  const index = new VulnerabilityIndex(now.toISOString());
  for (const file of files) {
    let text: string;
    try {
      const bytes = await readFile(file);
      if (bytes.length > MAX_REPORT_BYTES) throw new Error(`larger than ${MAX_REPORT_BYTES} bytes`);
      text = bytes.toString('utf8');
    } catch (err) {
      throw new KubePostureError('KP_ERR_INPUT_PARSE', `${file}: cannot read the vulnerability report: ${errorMessage(err)}`);
    }
    index.add(parseScannerReport(text, file));
  }
  return index;
}
