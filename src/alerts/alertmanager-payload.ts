/**
 * Alertmanager API v2 (`POST /api/v2/alerts`) postable alerts. One Alertmanager alert per
 * (policy, resource): its labels identify it, so every webhook replica sending the same denial sends
 * the same labels and Alertmanager keeps one. A firing alert carries `endsAt` a lease ahead and is
 * re-sent before the lease runs out while the finding lasts; a resolved one carries `endsAt` = now.
 */
import type { Alert } from './model.js';

export const ALERTNAME = 'KubePostureViolation';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

export function alertmanagerLabels(a: Alert): Record<string, string> {
  // Only low-cardinality, identity-making values: no uid (a denied CREATE has none, and replicas must agree), no path.
  return {
    alertname: ALERTNAME,
    policy: a.policyId,
    severity: a.severity,
    ...(a.resource.namespace !== undefined ? { namespace: a.resource.namespace } : {}),
    kind: a.resource.kind,
    name: a.resource.name,
    cluster: a.cluster,
    source: a.source,
  };
}

/** `leaseMs`: how long a firing alert stays firing in Alertmanager without being re-sent. */
export function postableAlert(a: Alert, now: number, leaseMs: number): PostableAlert {
  const annotations: Record<string, string> = {
    summary: `${a.title}: ${a.resource.kind} ${a.resource.namespace !== undefined ? `${a.resource.namespace}/` : ''}${a.resource.name}`,
    message: a.message,
    path: a.path,
    remediation: a.remediation,
    action: a.action,
    category: a.category,
    count: String(a.count),
  };
  if (a.controls.length > 0) annotations.controls = a.controls.join(', ');
  if (a.reportUrl !== undefined) annotations.report = a.reportUrl;
  const endsAt = a.status === 'resolved' ? now : now + leaseMs;
  return {
    labels: alertmanagerLabels(a),
    annotations,
    startsAt: new Date(a.firstSeen).toISOString(),
    endsAt: new Date(Math.max(endsAt, a.firstSeen)).toISOString(),
    ...(a.reportUrl !== undefined ? { generatorURL: a.reportUrl } : {}),
  };
}
