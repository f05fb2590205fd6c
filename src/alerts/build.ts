/** Alerts from the neutral result model: one per finding of an `ObjectResult` read from a cluster. */
import { isFileRef, type ObjectResult, type ResultFinding } from '../results/model.js';
import { fingerprint } from './fingerprint.js';
import type { Alert, AlertResource, AlertSource } from './model.js';

export interface BuildContext {
  source: AlertSource;
  /** The cluster's name as configured for alerts (labels must agree across replicas). */
  cluster: string;
  now: number;
  /** `{namespace}`, `{kind}`, `{name}`, `{policy}` are replaced (URL-encoded). */
  reportUrlTemplate?: string;
}

/** The alerts of one result, firing. A result from a file (no uid, no cluster) gives none. */
export function alertsOf(result: ObjectResult, ctx: BuildContext): Alert[] {
  if (isFileRef(result.ref) || result.findings.length === 0) return [];
  const ref = result.ref;
  const resource: AlertResource = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}), uid: ref.uid };
  const alerts: Alert[] = [];
  // One alert per (policy, path): a policy that reports the same field twice is one finding.
  const seen = new Set<string>();
  for (const f of result.findings) {
    const fp = fingerprint(ctx.cluster, resource, f.policyId, f.path);
    if (seen.has(fp)) continue;
    seen.add(fp);
    alerts.push(alertOf(f, fp, resource, ctx, ctx.source === 'admission' && !result.verdict.allowed && f.action === 'deny'));
  }
  return alerts;
}

/** The resource of a result read from a cluster (undefined for a file). */
export function resourceOf(result: ObjectResult): AlertResource | undefined {
  if (isFileRef(result.ref)) return undefined;
  const ref = result.ref;
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}), uid: ref.uid };
}

/** One finding's alert (see `alertsOf`). */
export function alertOfFinding(result: ObjectResult, resource: AlertResource, f: ResultFinding, ctx: BuildContext): Alert {
  return alertOf(f, fingerprint(ctx.cluster, resource, f.policyId, f.path), resource, ctx, ctx.source === 'admission' && !result.verdict.allowed && f.action === 'deny');
}

function alertOf(f: ResultFinding, fp: string, resource: AlertResource, ctx: BuildContext, blocked: boolean): Alert {
  const reportUrl = ctx.reportUrlTemplate !== undefined ? expand(ctx.reportUrlTemplate, resource, f.policyId) : undefined;
  return {
    fingerprint: fp,
    source: ctx.source,
    status: 'firing',
    cluster: ctx.cluster,
    resource,
    policyId: f.policyId,
    title: f.title,
    severity: f.severity,
    category: f.category,
    action: f.action,
    message: f.message,
    path: f.path,
    remediation: f.remediation,
    controls: f.controls,
    blocked,
    count: 1,
    firstSeen: ctx.now,
    lastSeen: ctx.now,
    isNew: true,
    ...(reportUrl !== undefined ? { reportUrl } : {}),
  };
}

function expand(template: string, r: AlertResource, policy: string): string {
  const values: Record<string, string> = { namespace: r.namespace ?? '', kind: r.kind, name: r.name, policy };
  return template.replace(/\{(namespace|kind|name|policy)\}/g, (_, k: string) => encodeURIComponent(values[k]!));
}
