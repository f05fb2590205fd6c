/**
 * A real headless Chromium for the HTML report's tests: Debian's `chromium` (scripts/install-chromium.sh,
 * run by npm's pretest), driven by playwright-core. No browser is ever downloaded: the executable is
 * KP_CHROMIUM or /usr/bin/chromium, and a missing one fails the test with how to install it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.KP_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run scripts/install-chromium.sh (npm test does), or set KP_CHROMIUM`);
  // --no-sandbox: tests and CI run as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

export interface OpenedPage {
  page: Page;
  /** Every request the page made that was not the page's own file. */
  outside: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
}

/** Opens a file in a new page, recording (and refusing) every request that would leave it. */
export async function openFile(browser: Browser, file: string, viewport = { width: 1280, height: 900 }): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport });
  const url = pathToFileURL(file).href;
  const outside: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    outside.push(u);
    return route.abort();
  });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]');
  return { page, outside, errors };
}

const require = createRequire(import.meta.url);

/** axe-core from node_modules, injected into the page; the violations of impact serious or critical. */
export async function seriousA11yViolations(page: Page): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run();
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
}
