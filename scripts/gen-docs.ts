/**
 * `npm run docs:policies`: regenerates docs/policies.md and docs/compliance.md from the built-in
 * library. `--check` writes nothing and exits 1 when a committed file differs (for CI).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BUILTIN_POLICY_DIR, loadLibrary } from '../src/loader/load-policies.js';
import { formatProblem } from '../src/core/errors.js';
import { generateDocs } from '../src/catalogue/docs.js';

const check = process.argv.includes('--check');
const repoRoot = resolve(BUILTIN_POLICY_DIR, '..');
const { registry, problems } = await loadLibrary({ builtinDir: BUILTIN_POLICY_DIR });
if (problems.length > 0) {
  // Documenting half a library would hide the broken policies: fix them first.
  for (const p of problems) process.stderr.write(formatProblem(p) + '\n');
  process.exit(1);
}
let stale = 0;
for (const doc of generateDocs(registry, repoRoot)) {
  const file = join(repoRoot, doc.path);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === doc.content) continue;
  if (check) {
    stale++;
    process.stderr.write(`${doc.path} is out of date: run \`npm run docs:policies\`\n`);
  } else {
    await writeFile(file, doc.content);
    process.stdout.write(`wrote ${doc.path}\n`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
