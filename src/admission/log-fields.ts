/**
 * The policy ids and paths a review's log line carries, bounded. A finding per container made one
 * 8 MB review (12,136 containers) log a line of 7.6 million characters; log pipelines split lines
 * at 16 KiB, so such a line is lost or broken exactly when someone needs it. The line keeps what an
 * operator acts on: every policy id (up to a cap) with its count, its first few paths, and how many
 * were left out.
 */
import type { Finding } from '../core/types.js';

export interface LogIdBounds {
  /** Paths kept per policy; the rest are counted. */
  pathsPerPolicy: number;
  /** Policies kept per field; the rest are counted. */
  policies: number;
  /** Characters of one path kept (paths are built from the object, so a long key makes a long path). */
  pathChars: number;
}

export const LOG_ID_BOUNDS: LogIdBounds = { pathsPerPolicy: 3, policies: 40, pathChars: 160 };

/**
 * `policy@path` for each finding as before while a policy has few; beyond `pathsPerPolicy` paths a
 * policy's entries end with `policy: N more`; beyond `policies` policies a last entry says how many
 * findings of how many policies were left out. Order is the findings' order, so the first denial
 * stays first. At the default bounds one field is at most about 40 × 4 entries of ≤ 200 characters.
 */
export function boundedIds(findings: readonly Finding[], bounds: LogIdBounds = LOG_ID_BOUNDS): string[] {
  // Fast path, and the common one: a handful of findings, each logged as it always was.
  if (findings.length <= bounds.pathsPerPolicy) {
    let short = true;
    for (const f of findings) if (f.path.length > bounds.pathChars) short = false;
    if (short) return findings.map((f) => idOf(f));
  }
  const byPolicy = new Map<string, { kept: string[]; more: number }>();
  let droppedFindings = 0;
  const droppedPolicies = new Set<string>();
  for (const f of findings) {
    let entry = byPolicy.get(f.policyId);
    if (entry === undefined) {
      if (byPolicy.size >= bounds.policies) {
        droppedFindings += 1;
        droppedPolicies.add(f.policyId);
        continue;
      }
      entry = { kept: [], more: 0 };
      byPolicy.set(f.policyId, entry);
    }
    if (entry.kept.length < bounds.pathsPerPolicy) entry.kept.push(idOf(f, bounds.pathChars));
    else entry.more += 1;
  }
  const out: string[] = [];
  for (const [policyId, { kept, more }] of byPolicy) {
    out.push(...kept);
    if (more > 0) out.push(`${policyId}: ${more} more`);
  }
  if (droppedFindings > 0) out.push(`${droppedFindings} more findings of ${droppedPolicies.size} more policies`);
  return out;
}

function idOf(f: Finding, pathChars = Infinity): string {
  if (f.path === '') return f.policyId;
  const path = f.path.length > pathChars ? `${f.path.slice(0, pathChars)}…` : f.path;
  return `${f.policyId}@${path}`;
}
