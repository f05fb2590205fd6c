import { evaluate, type EvaluateOptions } from '../core/engine.js';
import { decide } from '../core/decide.js';
import { inputFromObject } from '../core/input.js';
import { parsePath } from '../core/path.js';
import { asRecord } from '../core/safe.js';
import type { Decision, Finding, Severity } from '../core/types.js';
import type { Problem } from '../core/errors.js';
import type { PolicySet } from '../runtime/policy-set.js';
import type { ManifestObject } from './manifests.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  file: string;
  line: number;
}

export interface LocatedFinding extends Finding {
  line: number;
}

export interface ObjectReport {
  ref: ObjectRef;
  findings: LocatedFinding[];
  decision: Decision;
}

export interface ScanReport {
  objects: ObjectReport[];
  problems: Problem[];
  summary: {
    objects: number;
    denied: number;
    findings: Record<'deny' | 'warn' | 'audit', number>;
    bySeverity: Record<Severity, number>;
    errors: number;
  };
}

/**
 * Evaluates manifests as the webhook would evaluate their creation. Namespaces in the same set lend
 * their labels to the objects in them, so PSA-style namespace labels apply offline too.
 */
export function scanManifests(objects: readonly ManifestObject[], set: PolicySet, options: EvaluateOptions & { defaultNamespace?: string } = {}): Omit<ScanReport, 'problems'> {
  const nsLabels = new Map<string, Record<string, string>>();
  for (const { object } of objects) {
    const meta = asRecord(object.metadata);
    if (object.kind === 'Namespace' && typeof meta?.name === 'string') nsLabels.set(meta.name, (asRecord(meta.labels) ?? {}) as Record<string, string>);
  }
  const reports: ObjectReport[] = [];
  const summary: ScanReport['summary'] = { objects: 0, denied: 0, findings: { deny: 0, warn: 0, audit: 0 }, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, errors: 0 };
  for (const m of objects) {
    const meta = asRecord(m.object.metadata) ?? {};
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : options.defaultNamespace;
    const labels = namespace !== undefined ? nsLabels.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace } : undefined;
    const input = inputFromObject(m.object, { ...(namespace !== undefined ? { namespace } : {}), ...(labels ? { namespaceLabels: labels } : {}) });
    const result = evaluate(input, set.registry, set.engine, options);
    const decision = decide(result);
    const findings = result.findings.map((f) => ({ ...f, line: f.path === '' ? m.line : m.lineOf(parsePath(f.path)) }));
    summary.objects++;
    if (!decision.allowed) summary.denied++;
    for (const f of findings) {
      summary.findings[f.action]++;
      summary.bySeverity[f.severity]++;
      if (f.kind === 'error') summary.errors++;
    }
    reports.push({
      ref: { apiVersion: String(m.object.apiVersion ?? ''), kind: String(m.object.kind ?? ''), name: typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '', ...(namespace !== undefined ? { namespace } : {}), file: m.file, line: m.line },
      findings,
      decision,
    });
  }
  return { objects: reports, summary };
}
