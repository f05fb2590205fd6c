/**
 * HTML report benchmark (not a test): `npm run bench:report [-- --findings 50000]`.
 *
 * Scans generated manifests with the real engine and the recommended profile until the report holds at
 * least `--findings` findings (default 50,000), writes the page (`renderHtml`, as `report` does), opens it
 * from disk in headless Chromium (Debian's, KP_CHROMIUM or /usr/bin/chromium) and prints:
 *   - the page size and the time to render it,
 *   - the time from navigation start until the page is interactive (the findings table drawn and every
 *     control answering: the page script's last step), target < 2,000 ms,
 *   - the time a severity filter and a sort take to redraw the table.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { defaultConfig } from '../src/config/load-config.js';
import { buildPolicySet } from '../src/policy-set/policy-set.js';
import { parseManifests } from '../src/scan/manifests.js';
import { scanManifests } from '../src/scan/scan.js';
import { scanDocument } from '../src/reporters/saved-scan.js';
import { renderHtml } from '../src/reporters/html/render.js';

const { values } = parseArgs({ options: { findings: { type: 'string', default: '50000' } } });
const target = Number(values.findings);
const TARGET_MS = 2000;

// Container names differ per deployment, so messages do too: the page cannot lean on repeated strings.
const deployment = (ns: string, name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${ns} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      hostNetwork: true
      containers:
        - name: app-${name}
          image: nginx
          securityContext: { privileged: true, runAsUser: 0 }
        - name: sidecar-${name}
          image: example.com/sidecar:latest
---
`;

async function main(): Promise<void> {
  const set = await buildPolicySet(defaultConfig());
  // One deployment first, to learn how many findings each makes.
  const perObject = scanManifests(parseManifests(deployment('ns-0', 'probe'), 'gen.yaml').objects, set).objects[0]!.findings.length;
  const count = Math.ceil(target / perObject);
  let text = '';
  for (let i = 0; i < count; i++) text += deployment(`team-${i % 60}`, `app-${i}`);
  const started = performance.now();
  const report = scanManifests(parseManifests(text, 'generated.yaml').objects, set);
  const scanMs = performance.now() - started;
  const doc = scanDocument(report, set, { source: { type: 'manifests', name: 'generated.yaml' } });
  const findings = doc.objects.reduce((a, o) => a + o.findings.length, 0);

  const t0 = performance.now();
  const html = renderHtml([doc]);
  const renderMs = performance.now() - t0;
  const dir = await mkdtemp(join(tmpdir(), 'kp-bench-report-'));
  const file = join(dir, 'report.html');
  await writeFile(file, html);

  const browser = await chromium.launch({ executablePath: process.env.KP_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 60_000 });
    const interactiveMs = Number(await page.getAttribute('html', 'data-ready-ms'));
    const f0 = performance.now();
    await page.selectOption('#f-severity', 'critical');
    await page.locator('#f-count').filter({ hasNotText: `${findings} of ${findings}` }).waitFor();
    const filterMs = performance.now() - f0;
    const s0 = performance.now();
    await page.click('#findings-table th[data-sort="3"] button');
    await page.locator('#findings-table th[data-sort="3"][aria-sort="ascending"]').waitFor();
    const sortMs = performance.now() - s0;
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    const mb = (Buffer.byteLength(html) / 1024 / 1024).toFixed(1);
    process.stdout.write([
      `HTML report benchmark: ${findings} findings on ${doc.objects.length} objects (scanned in ${scanMs.toFixed(0)} ms)`,
      `  page: ${mb} MiB, rendered in ${renderMs.toFixed(0)} ms`,
      `  interactive after ${interactiveMs} ms from navigation start (target < ${TARGET_MS} ms: ${interactiveMs < TARGET_MS ? 'met' : 'NOT met'})`,
      `  severity filter redraw: ${filterMs.toFixed(0)} ms; sort by resource: ${sortMs.toFixed(0)} ms (from this process, including the round trip)`,
      '',
    ].join('\n'));
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
