/**
 * `audit --what-if`: what the running objects would meet under a different setting, before anyone
 * changes a label or a profile. The setting is parsed here; the comparison is pure (src/results).
 */
import type { Mode } from '../core/types.js';

export type WhatIf =
  | { kind: 'profile'; profile: string; text: string }
  | { kind: 'mode'; mode: Mode; text: string }
  | { kind: 'config'; file: string; text: string }
  | { kind: 'namespace'; namespace: string; labels: { enforce: string; version?: string }; text: string };

const LEVELS = ['privileged', 'baseline', 'restricted'];

/**
 * Parses `profile=NAME`, `mode=enforce|warn|audit`, `config=FILE`, or
 * `namespace=NS,enforce=LEVEL[,version=v1.N]`. Throws with a usage message on anything else.
 */
export function parseWhatIf(text: string): WhatIf {
  const pairs = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`--what-if: "${part}" is not key=value; use profile=NAME, mode=MODE, config=FILE or namespace=NS,enforce=LEVEL[,version=v1.N]`);
    const key = part.slice(0, eq).trim();
    if (pairs.has(key)) throw new Error(`--what-if: ${key} is given twice`);
    pairs.set(key, part.slice(eq + 1).trim());
  }
  const only = (...keys: string[]) => {
    const extra = [...pairs.keys()].filter((k) => !keys.includes(k));
    if (extra.length > 0) throw new Error(`--what-if: ${extra.join(', ')} cannot be combined with ${keys[0]}`);
  };
  if (pairs.has('profile')) {
    only('profile');
    return { kind: 'profile', profile: pairs.get('profile')!, text };
  }
  if (pairs.has('mode')) {
    only('mode');
    const mode = pairs.get('mode')!;
    if (!['enforce', 'warn', 'audit'].includes(mode)) throw new Error('--what-if: mode must be enforce, warn or audit');
    return { kind: 'mode', mode: mode as Mode, text };
  }
  if (pairs.has('config')) {
    only('config');
    return { kind: 'config', file: pairs.get('config')!, text };
  }
  if (pairs.has('namespace')) {
    only('namespace', 'enforce', 'version');
    const enforce = pairs.get('enforce');
    if (enforce === undefined || !LEVELS.includes(enforce)) throw new Error(`--what-if: namespace=... needs enforce=${LEVELS.join('|')}`);
    const version = pairs.get('version');
    if (version !== undefined && !/^(latest|v1\.\d+)$/.test(version)) throw new Error('--what-if: version must be latest or v1.N');
    const namespace = pairs.get('namespace')!;
    if (namespace === '') throw new Error('--what-if: namespace must not be empty');
    return { kind: 'namespace', namespace, labels: { enforce, ...(version !== undefined ? { version } : {}) }, text };
  }
  throw new Error('--what-if: use profile=NAME, mode=MODE, config=FILE or namespace=NS,enforce=LEVEL[,version=v1.N]');
}

/** The label patch a namespace what-if lays over the namespace's labels, with the configured prefix. */
export function labelPatch(whatIf: Extract<WhatIf, { kind: 'namespace' }>, prefix: string): Map<string, Record<string, string>> {
  return new Map([[whatIf.namespace, { [`${prefix}/enforce`]: whatIf.labels.enforce, ...(whatIf.labels.version !== undefined ? { [`${prefix}/enforce-version`]: whatIf.labels.version } : {}) }]]);
}
