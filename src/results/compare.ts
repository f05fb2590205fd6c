/** Comparing two reports of the same objects: what a changed setting would deny. Pure. */
import type { ObjectResult, Report } from './model.js';

export interface WouldDeny {
  object: ObjectResult;
  /** Not denied under the current setting. */
  isNew: boolean;
  /** Deny-level policies under the new setting. */
  policies: string[];
}

/** An object's identity across two reports: kind, namespace, name. */
export function objectKey(o: ObjectResult): string {
  return `${o.ref.apiVersion}/${o.ref.kind}/${o.ref.namespace ?? ''}/${o.ref.name}`;
}

/**
 * Every object the `after` report denies, marked new when `before` does not deny it. Objects the
 * `before` report rolled into an owner count as not denied there only if their owner was not.
 */
export function wouldDeny(before: Report, after: Report): WouldDeny[] {
  const deniedBefore = new Set(before.objects.filter((o) => !o.verdict.allowed).map(objectKey));
  const out: WouldDeny[] = [];
  for (const o of after.objects) {
    if (o.verdict.allowed) continue;
    const policies = [...new Set(o.findings.filter((f) => f.action === 'deny').map((f) => f.policyId))].sort();
    out.push({ object: o, isNew: !deniedBefore.has(objectKey(o)), policies });
  }
  return out;
}
