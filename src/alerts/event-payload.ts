/**
 * Kubernetes Events (`events.k8s.io/v1`) on the offending object, in the shape Kyverno gives its
 * policy events (reason `PolicyViolation`, an action, the reporting controller, `regarding` the
 * object), so `kubectl describe`, `kubectl get events` and event exporters show them. Pure.
 */
import { createHash } from 'node:crypto';
import type { Alert } from './model.js';

export const EVENT_REASON = 'PolicyViolation';
/** events.k8s.io/v1 limits `note` to 1 kB. */
export const EVENT_NOTE_MAX = 1024;
/** Cluster-scoped objects' events go where `kubectl get events` for them is looked up (as for Nodes). */
export const CLUSTER_SCOPED_EVENT_NAMESPACE = 'default';

export function reportingController(source: Alert['source']): string {
  return source === 'admission' ? 'kube-posture-admission' : 'kube-posture-scan';
}

/** What was done about it, in Kyverno's words: the request refused, or the object let through. */
export function eventAction(a: Alert): string {
  if (a.source === 'admission') return a.blocked ? 'Resource Blocked' : 'Resource Passed';
  return 'None';
}

/** `MicroTime`: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function eventNamespace(a: Alert): string {
  return a.resource.namespace ?? CLUSTER_SCOPED_EVENT_NAMESPACE;
}

export function eventObject(a: Alert, now: number, reportingInstance: string): Record<string, unknown> {
  const r = a.resource;
  const count = a.count > 1 ? ` (${a.count} times)` : '';
  const note = `policy ${a.policyId}: ${a.message}${a.path !== '' ? ` [${a.path}]` : ''}${count}`;
  // Unique per occurrence, derived from the finding, so a retried POST cannot make two events (409 instead).
  const suffix = createHash('sha256').update(`${a.fingerprint}\0${a.count}\0${a.lastSeen}`).digest('hex').slice(0, 16);
  const base = r.name.replace(/[^a-z0-9.-]/g, '-').slice(0, 200).replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'object';
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: `${base}.${suffix}`, namespace: eventNamespace(a), labels: { 'app.kubernetes.io/managed-by': 'kube-posture', 'kube-posture.io/policy': labelValue(a.policyId) } },
    eventTime: microTime(now),
    reportingController: reportingController(a.source),
    reportingInstance: reportingInstance.slice(0, 128),
    action: eventAction(a),
    reason: EVENT_REASON,
    type: 'Warning',
    note: note.length > EVENT_NOTE_MAX ? `${note.slice(0, EVENT_NOTE_MAX - 1)}…` : note,
    regarding: { apiVersion: r.apiVersion, kind: r.kind, name: r.name, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), ...(r.uid !== '' ? { uid: r.uid } : {}) },
  };
}

/** A label value: 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
