/**
 * Node.js versions in the repository: package.json's engines range, the LTS that scripts/node-lts.sh
 * pins for `npm run test:lts`, and the end of life of each LTS line.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/manifests/helm.js';

/** End of life of each Node.js LTS line (nodejs.org release schedule): after it, no security fixes. */
export const NODE_LTS_END_OF_LIFE: Readonly<Record<number, string>> = {
  20: '2026-04-30',
  22: '2027-04-30',
  24: '2028-04-30',
  26: '2029-04-30',
};

export async function enginesNode(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const range = pkg.engines?.node;
  if (!range) throw new Error('package.json has no engines.node');
  return range;
}

/** The exact version `npm run test:lts` installs (the default of NODE_LTS_VERSION in scripts/node-lts.sh). */
export async function pinnedLtsVersion(): Promise<string> {
  const script = await readFile(join(REPO_ROOT, 'scripts', 'node-lts.sh'), 'utf8');
  const m = /^NODE_LTS_VERSION="\$\{NODE_LTS_VERSION:-(\d+\.\d+\.\d+)\}"$/m.exec(script);
  if (!m) throw new Error('scripts/node-lts.sh pins no NODE_LTS_VERSION');
  return m[1]!;
}

type Version = [number, number, number];

function parse(v: string): Version {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(v.trim());
  if (!m) throw new Error(`not a version: ${v}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether a version satisfies an npm range made of what engines fields use: `||` alternatives of
 * space-separated comparators (`>=`, `>`, `<=`, `<`, `=` or none) and caret ranges (`^22.12.0`).
 * Anything else throws rather than guessing.
 */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) => {
    const comparators = alternative.trim().split(/\s+/).filter(Boolean);
    if (comparators.length === 0) throw new Error(`empty alternative in range ${range}`);
    return comparators.every((c) => {
      const m = /^(\^|>=|<=|>|<|=)?(.+)$/.exec(c)!;
      const op = m[1] ?? '=';
      const bound = parse(m[2]!);
      const cmp = compare(v, bound);
      switch (op) {
        case '^':
          if (bound[0] === 0) throw new Error(`caret range on 0.x is not supported: ${c}`);
          return cmp >= 0 && v[0] === bound[0];
        case '>=': return cmp >= 0;
        case '>': return cmp > 0;
        case '<=': return cmp <= 0;
        case '<': return cmp < 0;
        default:
          if (!/^\d+\.\d+\.\d+$/.test(m[2]!)) throw new Error(`a partial version is a range, not supported here: ${c}`);
          return cmp === 0;
      }
    });
  });
}
