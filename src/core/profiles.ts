import { ACTION_RANK, type Action } from './types.js';
import type { Registry } from './registry.js';

/**
 * Profiles compose: `recommended,pss-restricted` is the union of the named profiles' policies, and a
 * policy in more than one takes the stricter action (deny over warn over audit). One name is that
 * profile alone. Pure; every adapter (scan, audit, serve, controller) resolves profiles through here.
 */
export function composeProfile(registry: Registry, spec: string): { policies?: ReadonlyMap<string, Action>; unknown: string[] } {
  const names = profileNames(spec);
  const unknown = names.filter((n) => !registry.profiles.has(n));
  if (names.length === 0) unknown.push(spec);
  if (unknown.length > 0) return { unknown };
  if (names.length === 1) return { policies: registry.profiles.get(names[0]!)!, unknown };
  const out = new Map<string, Action>();
  for (const name of names) {
    for (const [id, action] of registry.profiles.get(name)!) {
      const prev = out.get(id);
      if (prev === undefined || ACTION_RANK[action] > ACTION_RANK[prev]) out.set(id, action);
    }
  }
  return { policies: out, unknown };
}

/** The names in a profile setting: comma-separated, spaces around names allowed, duplicates once. */
export function profileNames(spec: string): string[] {
  return [...new Set(spec.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
}
