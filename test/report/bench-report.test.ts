/**
 * `npm run bench:report` works: it scans, writes a page, opens it in Chromium and prints its figures.
 * A smaller report than the benchmark's 50,000 findings; no time is asserted (figures are for people).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

t.test('the report benchmark runs and prints the time to interactive', async (t) => {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'bench/report.ts', '--findings', '2000'], { timeout: 120_000 });
  t.match(stdout, /HTML report benchmark: \d+ findings on \d+ objects/);
  t.match(stdout, /interactive after \d+ ms from navigation start \(target < 2000 ms: (met|NOT met)\)/);
  t.match(stdout, /severity filter redraw: \d+ ms; sort by resource: \d+ ms/);
});
