import type { EvaluationInput } from './types.js';
import { isEmptySelector, matchesSelector, type LabelSelector } from './selectors.js';
import { getIn, isRecord } from './safe.js';
import { lookupKind } from './kinds.js';

/** Requests that no policy (global) or one policy (per-policy) applies to. */
export interface Exemptions {
  namespaces?: string[];
  usernames?: string[];
  groups?: string[];
  /** `namespace:name` or the full `system:serviceaccount:namespace:name`. */
  serviceAccounts?: string[];
  runtimeClasses?: string[];
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
}

const SA_PREFIX = 'system:serviceaccount:';

/** Why the request is exempt (for logs and metrics), or undefined when it is not. */
export function exemptionReason(ex: Exemptions | undefined, input: EvaluationInput): string | undefined {
  if (ex === undefined) return undefined;
  const ns = input.namespace ?? '';
  if (ns !== '' && ex.namespaces?.includes(ns)) return `namespace ${ns}`;
  const user = input.userInfo?.username ?? '';
  if (user !== '' && ex.usernames?.includes(user)) return `user ${user}`;
  const groups = input.userInfo?.groups ?? [];
  const group = ex.groups?.find((g) => groups.includes(g));
  if (group !== undefined) return `group ${group}`;
  if (user.startsWith(SA_PREFIX) && ex.serviceAccounts?.some((sa) => user === (sa.startsWith(SA_PREFIX) ? sa : SA_PREFIX + sa))) return `service account ${user.slice(SA_PREFIX.length)}`;
  if (ex.runtimeClasses?.length) {
    const known = lookupKind(input.kind);
    const spec = known?.podPath ? getIn(input.object, [...known.podPath, 'spec']) : undefined;
    const rc = isRecord(spec) ? spec.runtimeClassName : undefined;
    if (typeof rc === 'string' && ex.runtimeClasses.includes(rc)) return `runtime class ${rc}`;
  }
  // An empty selector would match everything and silently exempt every request: it exempts nothing.
  if (ex.namespaceSelector && !isEmptySelector(ex.namespaceSelector) && input.namespaceLabels !== undefined && matchesSelector(ex.namespaceSelector, input.namespaceLabels)) return 'namespace selector';
  if (ex.objectSelector && !isEmptySelector(ex.objectSelector)) {
    const labels = getIn(input.object, ['metadata', 'labels']) ?? getIn(input.oldObject, ['metadata', 'labels']);
    if (matchesSelector(ex.objectSelector, labels)) return 'object selector';
  }
  return undefined;
}

/** The first matching set's reason, prefixed with its source when it has one. */
export function firstExemption(sets: readonly { source?: string; exemptions: Exemptions }[], input: EvaluationInput): string | undefined {
  for (const set of sets) {
    const reason = exemptionReason(set.exemptions, input);
    if (reason !== undefined) return set.source !== undefined ? `${set.source} ${reason}` : reason;
  }
  return undefined;
}
