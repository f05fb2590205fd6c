/**
 * `npm run build`'s last step: the CLI as one ES module bundle (dist/bundle/main.js, with a chunk per
 * command, loaded only when that command runs), the built-in policy library compiled in
 * (src/loader/builtin-bundle.ts). bin/kube-posture.js and the image run it. Start-up is module loading:
 * unbundled, a one-file scan loaded ~170 modules of its own, each read, compiled and linked apart.
 * npm packages stay outside the bundle (`packages: 'external'`), loaded from node_modules as published:
 * some find files beside their own (pino's transports, esbuild's binary).
 *
 * `tsx scripts/bundle.ts [OUTDIR]` (default dist/bundle).
 */
import { build, type Plugin } from 'esbuild';
import { join, relative, resolve, sep } from 'node:path';
import { readFile } from 'node:fs/promises';
import { findPolicyFiles } from '../src/loader/load-policies.js';
import { readSingleYaml } from '../src/yaml/read-yaml.js';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = resolve(process.argv[2] ?? join(ROOT, 'dist', 'bundle'));
const POLICIES = join(ROOT, 'policies');

/** The text that replaces src/loader/builtin-bundle.ts in the bundle: every built-in policy module, imported statically. */
async function builtinBundleModule(): Promise<string> {
  const files = await findPolicyFiles(POLICIES);
  const rel = (f: string) => relative(POLICIES, f).split(sep).join('/');
  const built = (f: string) => rel(f).replace(/\.ts$/, '.js');
  const modules = files.filter((f) => f.endsWith('.ts'));
  const documents: Record<string, unknown> = {};
  for (const f of files.filter((f) => !f.endsWith('.ts'))) {
    const { document, problems } = readSingleYaml(await readFile(f, 'utf8'), 'a policy file');
    if (problems.length > 0) throw new Error(`${f}: ${problems.map((p) => `${p.line ?? ''}: ${p.message}`).join('; ')}`);
    documents[rel(f)] = document?.value ?? null;
  }
  return [
    ...modules.map((f, i) => `import p${i} from ${JSON.stringify(f)};`),
    `export const BUILTIN_BUNDLE = {`,
    `  files: ${JSON.stringify(files.map(built))},`,
    `  modules: { ${modules.map((f, i) => `${JSON.stringify(built(f))}: p${i}`).join(', ')} },`,
    // Parsed from JSON text: V8 reads a JSON literal faster than the same object as code.
    `  documents: JSON.parse(${JSON.stringify(JSON.stringify(documents))}),`,
    `};`,
  ].join('\n');
}

const builtinPolicies: Plugin = {
  name: 'kube-posture-builtin-policies',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]loader[\\/]builtin-bundle\.ts$/ }, async () => ({ contents: await builtinBundleModule(), loader: 'js', resolveDir: ROOT }));
  },
};

const result = await build({
  entryPoints: { main: join(ROOT, 'src', 'cli', 'main.ts') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: OUT,
  packages: 'external',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [builtinPolicies],
});
const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules')).length;
const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length;
console.log(`bundle: ${inputs} modules in ${outputs} files under ${relative(process.cwd(), OUT) || '.'}`);
