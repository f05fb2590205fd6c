/**
 * Per-object suppressions: `kube-posture.io/ignore: <policy-id>[,<policy-id>...]` with the required
 * `kube-posture.io/ignore-reason: <why>` on the object's own metadata. Decided here, in the core, so the
 * webhook, scan, audit and the controller answer alike; the configuration (`ignoreAnnotations.allow`)
 * says which policies an object may switch off for itself:
 *   none       no annotation is honoured;
 *   warn-only  (default) policies whose action is warn or audit; never a deny-level policy;
 *   all        any policy (a deny too: whoever may annotate the object may then create it).
 * An honoured annotation makes the policy's outcome `skip` with the reason (reported as exempt, never
 * a silent pass); one that is not honoured is said so on the findings and in the webhook's warnings.
 */
import type { Action } from './types.js';
import { getIn, isRecord } from './safe.js';

export const IGNORE_ANNOTATION = 'kube-posture.io/ignore';
export const IGNORE_REASON_ANNOTATION = 'kube-posture.io/ignore-reason';
export type IgnoreAnnotationsAllow = 'none' | 'warn-only' | 'all';
export const IGNORE_ANNOTATIONS_ALLOW: readonly IgnoreAnnotationsAllow[] = ['none', 'warn-only', 'all'];

/** Reasons are the object's own words, reported back: one line, bounded. */
const REASON_MAX_CHARS = 200;

export interface IgnoreRequest {
  /** Policy ids the object asks to be ignored. */
  ids: ReadonlySet<string>;
  /** The reason given, cleaned; undefined when the reason annotation is missing or empty. */
  reason?: string;
}

/** What the object's annotations ask for, or undefined when it asks nothing. */
export function ignoreRequest(object: unknown): IgnoreRequest | undefined {
  const annotations = getIn(object, ['metadata', 'annotations']);
  if (!isRecord(annotations)) return undefined;
  const raw = annotations[IGNORE_ANNOTATION];
  if (typeof raw !== 'string') return undefined;
  const ids = new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  if (ids.size === 0) return undefined;
  const r = annotations[IGNORE_REASON_ANNOTATION];
  // eslint-disable-next-line no-control-regex
  const reason = typeof r === 'string' ? r.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim() : '';
  return { ids, ...(reason !== '' ? { reason: reason.length > REASON_MAX_CHARS ? `${reason.slice(0, REASON_MAX_CHARS - 1).toWellFormed()}…` : reason } : {}) };
}

/** Whether the annotation switches off a policy of this action, and if not, why not (in words for the report). */
export function ignoreVerdict(request: IgnoreRequest, allow: IgnoreAnnotationsAllow, action: Action): { honoured: true; reason: string } | { honoured: false; why: string } {
  if (request.reason === undefined) return { honoured: false, why: `${IGNORE_ANNOTATION} not honoured: no ${IGNORE_REASON_ANNOTATION} annotation` };
  if (allow === 'none') return { honoured: false, why: `${IGNORE_ANNOTATION} not honoured: the configuration allows none (ignoreAnnotations.allow: none)` };
  if (allow === 'warn-only' && action === 'deny') return { honoured: false, why: `${IGNORE_ANNOTATION} not honoured for a deny-level policy (ignoreAnnotations.allow: warn-only)` };
  return { honoured: true, reason: `annotation ${IGNORE_ANNOTATION}: ${request.reason}` };
}
