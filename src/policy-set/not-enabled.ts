/**
 * User policies that loaded but that nothing enables: a policy from `--policy-dir` or
 * `policyDirectories` that the active profile leaves out (and that the configuration neither enables
 * nor switches off on purpose) judges nothing, which a user who just wrote it would not expect. Every
 * command that loads a policy set says so at load time.
 */
import type { PolicySet } from './policy-set.js';

/** Ids of the user policies in the set that are not enabled, sorted; those switched off with `enabled: false` are left out (that was asked for). */
export function userPoliciesNotEnabled(set: Pick<PolicySet, 'registry' | 'engine' | 'fileConfig'>): string[] {
  const enabled = new Set(set.engine.enabled.map((e) => e.id));
  const out: string[] = [];
  for (const [id, r] of set.registry.policies) {
    if (r.source.origin !== 'user' || enabled.has(id)) continue;
    if (set.fileConfig.policies?.[id]?.enabled === false) continue;
    out.push(id);
  }
  return out.sort();
}

/** The one line said about them (stderr in `scan` and `audit`, a log line in `serve`), or undefined when there are none. */
export function notEnabledNotice(set: Pick<PolicySet, 'registry' | 'engine' | 'fileConfig'>): string | undefined {
  const ids = userPoliciesNotEnabled(set);
  if (ids.length === 0) return undefined;
  const example = ids[0]!;
  return `loaded but not enabled: ${ids.join(', ')} (profile ${JSON.stringify(set.fileConfig.profile)} leaves them out); ` +
    `enable them with \`recommended: warn\` (or deny, audit) in the policy, \`policies: { ${example}: { enabled: true } }\` in the configuration, or --profile all`;
}
