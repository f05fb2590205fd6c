/**
 * Generates the deployment artefacts derived from the TypeScript source and the chart:
 *   charts/kube-posture/files/rules.json      admission rules per policy and profile (webhookRules())
 *   charts/kube-posture/files/scanner-rules.json  the scanner's read access per policy and profile
 *   charts/kube-posture/values.schema.json    values schema (the config part from src/config/schema.ts)
 *   charts/kube-posture/README.md             the values table
 *   webhook-config/*.yaml                     plain manifests: helm template with default values
 *
 *   npm run gen:manifests             write them
 *   npm run gen:manifests -- --check  exit 1 if any differs from a fresh generation
 *
 * Needs helm (scripts/install-helm.sh).
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './manifests/helm.js';
import { generatedFiles, PLAIN_DIR, README_FILE } from './manifests/generate.js';

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

const check = process.argv.includes('--check');
const files = await generatedFiles(await readFile(join(REPO_ROOT, README_FILE), 'utf8'));
// Plain manifests that the chart no longer renders are stale too.
const existingPlain = (await readdir(join(REPO_ROOT, PLAIN_DIR)).catch(() => [] as string[])).filter((f) => f.endsWith('.yaml')).map((f) => `${PLAIN_DIR}/${f}`);
const stale = existingPlain.filter((f) => !files.has(f));
const differing: string[] = [];
for (const [path, text] of files) if ((await readOrEmpty(join(REPO_ROOT, path))) !== text) differing.push(path);

if (check) {
  for (const p of [...differing, ...stale]) console.error(`out of date: ${p}`);
  if (differing.length + stale.length > 0) {
    console.error('run: npm run gen:manifests');
    process.exit(1);
  }
  console.log(`${files.size} generated files are up to date`);
} else {
  for (const p of differing) {
    await mkdir(dirname(join(REPO_ROOT, p)), { recursive: true });
    await writeFile(join(REPO_ROOT, p), files.get(p)!);
    console.log(`wrote ${p}`);
  }
  for (const p of stale) {
    await rm(join(REPO_ROOT, p));
    console.log(`removed ${p}`);
  }
  if (differing.length + stale.length === 0) console.log('everything up to date');
}
