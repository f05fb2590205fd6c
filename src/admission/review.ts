/**
 * AdmissionReview <-> evaluation input / decision. The translation only: no policy logic lives here.
 *
 * Parsing is strict about the fields the webhook relies on (uid, kind, operation, and the types of
 * what is present) and ignores the rest, so a newer apiserver adding fields is never a failed call.
 */
import type { VulnerabilityLookup } from '../core/vulnerabilities.js';
import type { Decision, EvaluationInput, Operation, UserInfo } from '../core/types.js';
import { OPERATIONS } from '../core/types.js';
import { isRecord } from '../core/safe.js';

export const REVIEW_API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type ReviewApiVersion = (typeof REVIEW_API_VERSIONS)[number];

/** The part of `request` the webhook uses, with types checked. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo?: UserInfo;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
}

export interface ParsedReview {
  apiVersion: ReviewApiVersion;
  request: AdmissionRequest;
}

export type ParseResult = { ok: true; review: ParsedReview } | { ok: false; message: string };

/** Validates the shape of a parsed JSON body. Never throws; the message names the offending field. */
export function parseReview(body: unknown): ParseResult {
  const fail = (message: string): ParseResult => ({ ok: false, message });
  if (!isRecord(body)) return fail('body must be a JSON object (an AdmissionReview)');
  if (body.kind !== 'AdmissionReview') return fail('kind must be "AdmissionReview"');
  const apiVersion = body.apiVersion;
  if (typeof apiVersion !== 'string' || !(REVIEW_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    return fail(`apiVersion must be one of ${REVIEW_API_VERSIONS.join(', ')}`);
  }
  const r = body.request;
  if (!isRecord(r)) return fail('request must be an object');
  if (typeof r.uid !== 'string' || r.uid === '') return fail('request.uid must be a non-empty string');
  if (r.uid.length > 256) return fail('request.uid is longer than 256 characters');

  const k = r.kind;
  if (!isRecord(k) || typeof k.kind !== 'string' || k.kind === '' || typeof k.version !== 'string' || (k.group !== undefined && typeof k.group !== 'string')) {
    return fail('request.kind must be {group, version, kind} with string values');
  }
  if (typeof r.operation !== 'string' || !(OPERATIONS as readonly string[]).includes(r.operation)) {
    return fail(`request.operation must be one of ${OPERATIONS.join(', ')}`);
  }
  for (const field of ['subResource', 'name', 'namespace'] as const) {
    if (r[field] !== undefined && r[field] !== null && typeof r[field] !== 'string') return fail(`request.${field} must be a string`);
  }
  if (r.dryRun !== undefined && r.dryRun !== null && typeof r.dryRun !== 'boolean') return fail('request.dryRun must be a boolean');
  for (const field of ['object', 'oldObject'] as const) {
    const v = r[field];
    if (v !== undefined && v !== null && !isRecord(v)) return fail(`request.${field} must be an object or null`);
  }
  const userInfo = parseUserInfo(r.userInfo);
  if (typeof userInfo === 'string') return fail(userInfo);

  const request: AdmissionRequest = {
    uid: r.uid,
    kind: { group: typeof k.group === 'string' ? k.group : '', version: k.version, kind: k.kind },
    operation: r.operation as Operation,
    ...(nonEmpty(r.subResource) ? { subResource: r.subResource as string } : {}),
    ...(nonEmpty(r.name) ? { name: r.name as string } : {}),
    ...(nonEmpty(r.namespace) ? { namespace: r.namespace as string } : {}),
    ...(userInfo !== undefined ? { userInfo } : {}),
    ...(isRecord(r.object) ? { object: r.object } : {}),
    ...(isRecord(r.oldObject) ? { oldObject: r.oldObject } : {}),
    ...(r.dryRun === true ? { dryRun: true } : {}),
  };
  return { ok: true, review: { apiVersion: apiVersion as ReviewApiVersion, request } };
}

function nonEmpty(v: unknown): boolean {
  return typeof v === 'string' && v !== '';
}

/** The userInfo, undefined when absent, or an error message. */
function parseUserInfo(v: unknown): UserInfo | undefined | string {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) return 'request.userInfo must be an object';
  const out: UserInfo = {};
  if (v.username !== undefined) {
    if (typeof v.username !== 'string') return 'request.userInfo.username must be a string';
    out.username = v.username;
  }
  if (v.uid !== undefined) {
    if (typeof v.uid !== 'string') return 'request.userInfo.uid must be a string';
    out.uid = v.uid;
  }
  if (v.groups !== undefined && v.groups !== null) {
    if (!Array.isArray(v.groups) || !v.groups.every((g) => typeof g === 'string')) return 'request.userInfo.groups must be a list of strings';
    out.groups = v.groups as string[];
  }
  if (v.extra !== undefined && v.extra !== null) {
    if (!isRecord(v.extra) || !Object.values(v.extra).every((e) => Array.isArray(e) && e.every((s) => typeof s === 'string'))) {
      return 'request.userInfo.extra must map strings to lists of strings';
    }
    out.extra = v.extra as Record<string, string[]>;
  }
  return out;
}

/**
 * The evaluation input for a request. The kind is the one the apiserver names (the object's own
 * apiVersion/kind may be absent or differ under `matchPolicy: Equivalent`).
 */
export function inputFromRequest(r: AdmissionRequest, namespaceLabels: Record<string, string> | undefined, vulnerabilities?: VulnerabilityLookup): EvaluationInput {
  return {
    object: r.object ?? null,
    ...(r.oldObject !== undefined ? { oldObject: r.oldObject } : {}),
    operation: r.operation,
    kind: r.kind,
    ...(r.subResource !== undefined ? { subResource: r.subResource } : {}),
    ...(r.name !== undefined ? { name: r.name } : {}),
    ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
    ...(namespaceLabels !== undefined ? { namespaceLabels } : {}),
    ...(r.userInfo !== undefined ? { userInfo: r.userInfo } : {}),
    ...(r.dryRun ? { dryRun: true } : {}),
    ...(vulnerabilities !== undefined ? { vulnerabilities } : {}),
  };
}

export interface AdmissionResponseBody {
  apiVersion: ReviewApiVersion;
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; reason: string; message: string };
    warnings?: string[];
    auditAnnotations?: Record<string, string>;
  };
}

/** The answer, in the version the request came in. A validating webhook never returns a patch. */
export function reviewResponse(review: ParsedReview, decision: Pick<Decision, 'allowed' | 'message' | 'warnings' | 'auditAnnotations'>): AdmissionResponseBody {
  const response: AdmissionResponseBody['response'] = { uid: review.request.uid, allowed: decision.allowed };
  if (!decision.allowed) response.status = { code: 403, reason: 'Forbidden', message: decision.message ?? 'kube-posture: denied by policy' };
  if (decision.warnings.length > 0) response.warnings = decision.warnings;
  if (Object.keys(decision.auditAnnotations).length > 0) response.auditAnnotations = decision.auditAnnotations;
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response };
}

const DURATION_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };

/**
 * Parses the `timeout` query parameter, a Go duration (`10s`, `1m0s`, `1.5s`). Returns milliseconds,
 * or undefined when absent or unreadable (the caller falls back to the longest webhook timeout).
 */
export function parseGoDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '' || text.length > 32) return undefined;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || !Number.isFinite(total) || total <= 0) return undefined;
  return total;
}
