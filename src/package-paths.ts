import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the package's own files are, from wherever this code runs: `src/` through tsx in a checkout,
 * `dist/src/` as compiled by tsc, or `dist/bundle/` as bundled by esbuild (scripts/bundle.mjs), where
 * every module shares one file and a path relative to `import.meta.url` would depend on the bundle's
 * layout. The root is the nearest folder above that holds this package's package.json.
 */
function findRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'kube-posture') return dir;
      } catch {
        // Not ours (or unreadable): keep looking above.
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find kube-posture's package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = findRoot();

/** Running the compiled or bundled code under dist/ (an installed package, the image), not the TypeScript source. */
export const RUNNING_BUILT = !relative(PACKAGE_ROOT, fileURLToPath(import.meta.url)).startsWith(`src${sep}`);

/** A path of the package as the running layout has it: `src/...` or `policies/...` in a checkout, under `dist/` when built. */
export function packagePath(fromRoot: string): string {
  return RUNNING_BUILT ? join(PACKAGE_ROOT, 'dist', fromRoot) : join(PACKAGE_ROOT, fromRoot);
}

/** package.json's version. */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
