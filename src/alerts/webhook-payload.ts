/**
 * The generic webhook's payload, version 1: one JSON document per alert, described by
 * docs/schema/alert-webhook-v1.schema.json. Fields are only ever added within a version; anything
 * else is a new `schemaVersion`. The signature covers the timestamp and the exact body sent.
 */
import { createHmac } from 'node:crypto';
import type { Alert } from './model.js';

export const WEBHOOK_SCHEMA_VERSION = 'kube-posture.io/alert/v1';
export const SIGNATURE_HEADER = 'x-kube-posture-signature';
export const TIMESTAMP_HEADER = 'x-kube-posture-timestamp';

export interface WebhookAlertV1 {
  schemaVersion: typeof WEBHOOK_SCHEMA_VERSION;
  /** Unique per delivery content (fingerprint, status, count, last seen): receivers can drop repeats. */
  id: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  isNew: boolean;
  blocked: boolean;
  source: 'admission' | 'scan';
  cluster: string;
  severity: string;
  policy: { id: string; title: string; category: string; action: string; controls: string[] };
  resource: { apiVersion: string; kind: string; name: string; namespace?: string; uid?: string };
  message: string;
  path: string;
  remediation: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  reportUrl?: string;
}

export function webhookPayload(a: Alert): WebhookAlertV1 {
  const r = a.resource;
  return {
    schemaVersion: WEBHOOK_SCHEMA_VERSION,
    id: `${a.fingerprint}-${a.status}-${a.count}-${a.lastSeen}`,
    fingerprint: a.fingerprint,
    status: a.status,
    isNew: a.isNew,
    blocked: a.blocked,
    source: a.source,
    cluster: a.cluster,
    severity: a.severity,
    policy: { id: a.policyId, title: a.title, category: a.category, action: a.action, controls: a.controls },
    resource: { apiVersion: r.apiVersion, kind: r.kind, name: r.name, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), ...(r.uid !== '' ? { uid: r.uid } : {}) },
    message: a.message,
    path: a.path,
    remediation: a.remediation,
    count: a.count,
    firstSeen: new Date(a.firstSeen).toISOString(),
    lastSeen: new Date(a.lastSeen).toISOString(),
    ...(a.reportUrl !== undefined ? { reportUrl: a.reportUrl } : {}),
  };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`): a replayed body with a new timestamp fails. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
