// Makes the README's screenshot of the HTML report (docs/img/report-overview.png): two scans of the same
// generated manifests (`k8s/`, some workloads fixed between them, so the trend moves), drawn by
// `kube-posture report` and shot in headless Chromium like the report's tests do.
// Usage: npx tsx scripts/readme-screenshot.ts
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../test/helpers/cli.js';
import { launchChromium, openFile } from '../test/helpers/browser.js';
import { manifests } from '../test/report/report-fixtures.js';

const OUT = resolve('docs/img/report-overview.png');
const dir = await mkdtemp(join(tmpdir(), 'kp-readme-'));
try {
  await mkdir(join(dir, 'k8s'));
  for (const [fixed, out] of [[0, 'monday.json'], [3, 'friday.json']] as const) {
    await writeFile(join(dir, 'k8s', 'app.yaml'), manifests(fixed));
    const r = await runCli(['scan', 'k8s/', '-o', 'json', '--fail-on', 'never'], { cwd: dir });
    if (r.code !== 0) throw new Error(r.stderr);
    await writeFile(join(dir, out), r.stdout);
  }
  const r = await runCli(['report', 'monday.json', 'friday.json', '-o', 'report.html'], { cwd: dir });
  if (r.code !== 0) throw new Error(r.stderr);
  const browser = await launchChromium();
  try {
    const { page } = await openFile(browser, join(dir, 'report.html'), { width: 1200, height: 1000 });
    await page.screenshot({ path: OUT });
  } finally {
    await browser.close();
  }
  process.stdout.write(`wrote ${OUT}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
