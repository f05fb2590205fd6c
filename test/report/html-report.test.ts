/**
 * The HTML report in a real headless Chromium (Debian's package, driven by playwright-core): written by
 * `kube-posture report` from saved scans the real CLI made, opened from a file URL. No request leaves the
 * page, nothing is logged as an error, the numbers shown are those of the JSON, every filter, the sort
 * and the pages work, and axe-core finds no serious accessibility violation. Screenshots of the overview
 * and of a filtered table go to test/artefacts/ (git-ignored).
 */
import t from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openFile, seriousA11yViolations } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { saveScan, scansDir, type ScanDoc } from './report-fixtures.js';

const ARTEFACTS = join('test', 'artefacts');
mkdirSync(ARTEFACTS, { recursive: true });

type Finding = ScanDoc['objects'][number]['findings'][number] & { kind: string; name: string; namespace: string };
const findingsOf = (doc: ScanDoc): Finding[] => doc.objects.flatMap((o) => o.findings.map((f) => ({ ...f, kind: o.kind, name: o.name, namespace: o.namespace ?? '' })));
const pct = (n: number | null) => (n === null ? 'n/a' : `${n.toFixed(1)}%`);

let browser: Browser;
t.before(async () => {
  browser = await launchChromium();
});
t.teardown(() => browser?.close());

const count = async (page: Page) => (await page.textContent('#f-count'))!.trim();
// The text filter waits a moment after typing stops: wait for the count it leads to.
// (Playwright's selector engine: the page's Content-Security-Policy forbids evaluating strings.)
const untilCount = (page: Page, text: string) => page.locator(`#f-count:text-is(${JSON.stringify(text)})`).waitFor();
const column = async (page: Page, index: number) => page.$$eval(`#findings-table tbody tr td:nth-child(${index})`, (tds) => tds.map((td) => td.textContent ?? ''));

t.test('one source, two scans: overview, trend, frameworks, findings table', async (t) => {
  const dir = await scansDir(t);
  const first = await saveScan(dir, 'k8s', 0, 'before.json');
  const latest = await saveScan(dir, 'k8s', 1, 'after.json');
  const out = join(dir, 'report.html');
  const r = await runCli(['report', latest.file, first.file, '-o', out]);
  t.equal(r.code, 0, r.stderr);

  const { page, outside, errors } = await openFile(browser, out);
  t.same(outside, [], 'no request leaves the page');
  t.same(errors, [], 'no console error');

  // Numbers shown equal the JSON (the latest scan: the files were given out of time order).
  for (const f of latest.doc.compliance.frameworks) {
    t.equal((await page.textContent(`.score[data-framework="${f.id}"]`))?.trim(), pct(f.compliance), `${f.id} score`);
  }
  for (const [sev, n] of Object.entries(latest.doc.summary.bySeverity)) {
    t.equal((await page.textContent(`svg.chart text[data-severity="${sev}"]`))?.trim(), String(n), `${sev} count`);
  }
  const trend = await page.getAttribute('.card[data-framework="pss-baseline"] svg.trend', 'aria-label');
  const fw = (d: ScanDoc) => d.compliance.frameworks.find((f) => f.id === 'pss-baseline')!.compliance;
  t.equal(trend, `Trend of Pod Security Standards: baseline for k8s: ${pct(fw(first.doc))} → ${pct(fw(latest.doc))}`.replace(' for k8s', ` for ${join(dir, 'k8s')}`), 'the trend goes through both scans in time order');
  const all = findingsOf(latest.doc);
  t.equal(await count(page), `${all.length} of ${all.length} finding(s)`);
  // The worst control shown has the failing count of the JSON.
  const topId = await page.getAttribute('.top-controls td[data-control]', 'data-control');
  const failed = latest.doc.compliance.frameworks.flatMap((f) => f.controls).find((c) => c.id === topId)!.failed;
  t.equal((await page.textContent(`.top-controls td[data-control="${topId}"]`))?.trim(), String(failed), `${topId} failing`);
  await page.screenshot({ path: join(ARTEFACTS, 'report-overview.png'), fullPage: false });

  // Per-framework view: every control with its counts.
  const baseline = latest.doc.compliance.frameworks.find((f) => f.id === 'pss-baseline')!;
  const rows = await page.$$eval('#fw-pss-baseline table.controls tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-control'), tr.children[2]?.textContent, tr.children[3]?.textContent]));
  t.same(rows, baseline.controls.map((c) => [c.id, String(c.passed), String(c.failed)]), 'every baseline control with its passed and failed counts');

  // Pages: 50 rows at a time, never all of them.
  t.equal(await page.$$eval('#findings-table tbody tr', (trs) => trs.length), 50, 'one page of rows in the DOM');
  await page.click('#p-next');
  t.equal(await page.$$eval('#findings-table tbody tr', (trs) => trs.length), all.length - 50, 'the second page holds the rest');
  t.match(await page.textContent('#p-info'), /Page 2 of 2/);

  // Each filter.
  await page.selectOption('#f-namespace', { label: 'shop' });
  t.equal(await count(page), `${all.filter((f) => f.namespace === 'shop').length} of ${all.length} finding(s)`, 'namespace filter');
  t.same([...new Set(await column(page, 2))], ['shop']);
  await page.selectOption('#f-severity', 'medium');
  const shopMedium = all.filter((f) => f.namespace === 'shop' && f.severity === 'medium');
  t.equal(await count(page), `${shopMedium.length} of ${all.length} finding(s)`, 'severity filter, with the namespace one');
  await page.locator('#findings').screenshot({ path: join(ARTEFACTS, 'report-filtered.png') });
  await page.click('button[type="reset"]');
  await untilCount(page, `${all.length} of ${all.length} finding(s)`);

  const policy = 'pss-privileged';
  await page.selectOption('#f-policy', { label: policy });
  t.equal(await count(page), `${all.filter((f) => f.policyId === policy).length} of ${all.length} finding(s)`, 'policy filter');
  await page.selectOption('#f-policy', '');

  const inBaseline = new Set(baseline.controls.flatMap((c) => c.policies));
  await page.selectOption('#f-framework', { label: baseline.name! });
  t.equal(await count(page), `${all.filter((f) => inBaseline.has(f.policyId)).length} of ${all.length} finding(s)`, 'framework filter');
  await page.selectOption('#f-framework', '');

  await page.fill('#f-text', 'Deployment cart');
  const cart = all.filter((f) => f.name === 'cart');
  await untilCount(page, `${cart.length} of ${all.length} finding(s)`);
  t.equal(await count(page), `${cart.length} of ${all.length} finding(s)`, 'text filter');
  t.same([...new Set(await column(page, 3))], ['Deployment cart']);
  await page.fill('#f-text', '');
  await untilCount(page, `${all.length} of ${all.length} finding(s)`);

  // Each finding shows its field path, message and remediation.
  const finding = all.find((f) => f.policyId === policy)!;
  await page.selectOption('#f-policy', { label: policy });
  const cell = (await page.textContent('#findings-table tbody tr td.finding'))!;
  t.ok(cell.includes(finding.message) && cell.includes(`at ${finding.path}`) && cell.includes(`Fix: ${finding.remediation}`), 'message, path and fix');
  await page.selectOption('#f-policy', '');

  // Sort: by namespace, then reversed.
  await page.click('#findings-table th[data-sort="2"] button');
  const asc = await column(page, 2);
  t.same(asc, [...asc].sort(), 'ascending by namespace');
  t.equal(await page.getAttribute('#findings-table th[data-sort="2"]', 'aria-sort'), 'ascending');
  t.equal(asc[0], '(cluster-scoped)', 'cluster-scoped objects (the Namespaces) first');
  await page.click('#findings-table th[data-sort="2"] button');
  const desc = await column(page, 2);
  t.same(desc, [...desc].sort().reverse(), 'descending by namespace');
  t.equal(desc[0], 'tools');
  await page.click('#findings-table th[data-sort="0"] button');
  const sevs = await column(page, 1);
  const order = ['critical', 'high', 'medium', 'low', 'info'];
  t.same(sevs, [...sevs].sort((a, b) => order.indexOf(a) - order.indexOf(b)), 'by severity, most severe first');

  // Accessibility: every details element open, so its tables are checked too.
  await page.$$eval('details', (ds) => ds.forEach((d) => d.setAttribute('open', '')));
  t.same(await seriousA11yViolations(page), [], 'axe-core: no serious or critical violation');
  t.same(errors, [], 'still no console error');
  t.same(outside, [], 'still no request');
});

t.test('scans of several clusters: a fleet view with a source column and per-source scores', async (t) => {
  const dir = await scansDir(t);
  const prod = await saveScan(dir, 'prod', 2, 'prod.json');
  const dev = await saveScan(dir, 'dev', 0, 'dev.json');
  const r = await runCli(['report', prod.file, dev.file, '-o', 'html']);
  t.equal(r.code, 0, r.stderr);
  const out = join(dir, 'fleet.html');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(out, r.stdout);
  const { page, outside, errors } = await openFile(browser, out);
  t.same(outside, []);
  t.same(errors, []);
  for (const s of [prod, dev]) {
    for (const f of s.doc.compliance.frameworks) {
      t.equal((await page.textContent(`.score[data-framework="${f.id}"][data-source="${s.doc.source.name}"]`))?.trim(), pct(f.compliance), `${s.doc.source.name} ${f.id}`);
    }
  }
  t.equal(await page.textContent('#findings-table th[data-sort="1"]'), 'Source', 'a source column');
  const total = findingsOf(prod.doc).length + findingsOf(dev.doc).length;
  t.equal(await count(page), `${total} of ${total} finding(s)`);
  await page.selectOption('#f-source', { label: dev.doc.source.name });
  t.equal(await count(page), `${findingsOf(dev.doc).length} of ${total} finding(s)`, 'source filter');
  t.same([...new Set(await column(page, 2))], [dev.doc.source.name]);
  t.same(await seriousA11yViolations(page), [], 'axe-core: no serious or critical violation');
});

t.test('scan -o html writes the same kind of page directly', async (t) => {
  const dir = await scansDir(t);
  await saveScan(dir, 'k8s', 0, 'unused.json');
  const r = await runCli(['scan', join(dir, 'k8s'), '-o', 'html', '--fail-on', 'never']);
  t.equal(r.code, 0, r.stderr);
  const out = join(dir, 'direct.html');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(out, r.stdout);
  const { page, outside, errors } = await openFile(browser, out);
  t.same([outside, errors], [[], []]);
  t.match(await page.textContent('h1'), /Kubernetes posture: .*k8s/);
  t.match(await count(page), /^\d+ of \d+ finding\(s\)$/);
});

t.test('the vulnerabilities view: scan --vulnerabilities, then report; the numbers shown are those of the findings', async (t) => {
  const dir = await scansDir(t);
  await saveScan(dir, 'k8s', 0, 'unused.json');
  const { writeFile } = await import('node:fs/promises');
  // Two workloads run the scanned nginx, one the scanned redis; the rest run images nobody scanned.
  const vulnDeployment = (name: string, image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  selector: { matchLabels: { app: ${name} } }\n  template:\n    metadata: { labels: { app: ${name} } }\n    spec:\n      containers: [{ name: app, image: "${image}" }]\n---\n`;
  await writeFile(join(dir, 'k8s', 'images.yaml'), vulnDeployment('front', 'nginx:1.25.3') + vulnDeployment('front2', 'nginx:1.25.3') + vulnDeployment('cache', 'redis:7.2.4'));
  const config = join(dir, 'kp.yaml');
  await writeFile(config, 'policies:\n  image-vulnerabilities: { parameters: { severity: high } }\n');
  const fx = join('test', 'fixtures', 'vulnerabilities');
  const scan = await runCli(['scan', join(dir, 'k8s'), '--config', config, '--vulnerabilities', join(fx, 'trivy-nginx-1.25.3.json'), '--vulnerabilities', join(fx, 'grype-redis-7.2.4.json'), '-o', 'json', '--fail-on', 'never']);
  t.equal(scan.code, 0, scan.stderr);
  await writeFile(join(dir, 'scan.json'), scan.stdout);
  const doc = JSON.parse(scan.stdout) as { objects: { findings: { policyId: string; category: string; value?: string }[] }[] };
  const vulnFindings = doc.objects.flatMap((o) => o.findings).filter((f) => f.category === 'vulnerability');
  t.equal(vulnFindings.filter((f) => f.policyId === 'image-vulnerabilities').length, 3, 'three workloads run a scanned image with fixable high or critical vulnerabilities');
  const out = join(dir, 'report.html');
  const r = await runCli(['report', join(dir, 'scan.json'), '-o', out]);
  t.equal(r.code, 0, r.stderr);

  const { page, outside, errors } = await openFile(browser, out);
  t.same([outside, errors], [[], []], 'no request leaves the page, no console error');
  await page.click('nav a[href="#vulnerabilities"]');
  t.ok(await page.isVisible('#vulnerabilities h2'), 'the section is there and shown');
  // The fixtures: nginx 1 fixable critical and 2 fixable high; redis 1 fixable critical and 1 fixable high.
  t.equal((await page.textContent('#vulnerabilities td[data-vuln-severity="critical"]'))?.trim(), '2', 'criticals: each image once');
  t.equal((await page.textContent('#vulnerabilities td[data-vuln-severity="high"]'))?.trim(), '3');
  t.equal((await page.textContent('#vulnerabilities td[data-fixable-share]'))?.trim(), '100.0%');
  t.same(await page.$$eval('#vulnerabilities table.vuln-images tbody tr', (rows) => rows.map((r) => `${r.getAttribute('data-image')} ${r.children[1]?.textContent}`)), ['nginx:1.25.3 2', 'redis:7.2.4 1'], 'by image, worst first, with the workloads running it');
  t.same(await page.$$eval('#vulnerabilities table.vuln-namespaces tbody tr', (rows) => rows.map((r) => r.getAttribute('data-namespace'))), ['shop'], 'by namespace');
  const missing = new Set(vulnFindings.filter((f) => f.policyId === 'image-vulnerability-report-missing').map((f) => f.value));
  t.ok(missing.size > 0, 'the fixture manifests run images nobody scanned');
  t.equal(await page.locator('#vulnerabilities ul.vuln-missing li').count(), Math.min(missing.size, 20), 'the images not scanned are listed');
  await page.locator('#vulnerabilities').screenshot({ path: join(ARTEFACTS, 'report-vulnerabilities.png') });
  t.same(await seriousA11yViolations(page), [], 'axe-core: no serious or critical violation');
});
