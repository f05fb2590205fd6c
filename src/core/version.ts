import type { PssVersion } from './types.js';

/** The newest Pod Security Standards version this release implements; `latest` means this. */
export const LATEST_PSS_VERSION: PssVersion = { major: 1, minor: 37 };

const VERSION_RE = /^v1\.(0|[1-9][0-9]?)$/;

/** Parses `latest` or `v1.N`. Returns undefined for anything else (callers report the error). */
export function parsePssVersion(text: unknown): PssVersion | undefined {
  if (text === 'latest') return LATEST_PSS_VERSION;
  if (typeof text !== 'string') return undefined;
  const m = VERSION_RE.exec(text);
  if (!m) return undefined;
  const minor = Number(m[1]);
  // Versions newer than the library are evaluated as the newest known, as upstream PSA does.
  return { major: 1, minor: Math.min(minor, LATEST_PSS_VERSION.minor) };
}

export function formatPssVersion(v: PssVersion): string {
  return `v${v.major}.${v.minor}`;
}

// Policies compare against a handful of literal versions on every call; parse each once.
const sinceCache = new Map<string, number>();

/** True when `v` is at or after `since` (`v1.22`). */
export function versionAtLeast(v: PssVersion, since: string): boolean {
  let minor = sinceCache.get(since);
  if (minor === undefined) {
    const s = parsePssVersion(since);
    if (s === undefined) throw new Error(`invalid version ${since}`);
    minor = s.minor;
    if (sinceCache.size < 1000) sinceCache.set(since, minor);
  }
  return v.minor >= minor;
}
