/**
 * Which namespaces need attention first. Pure: a report in, namespaces ranked out. A namespace's weight
 * is the severity-weighted count of its findings (the weights of the risk score, `SEVERITY_WEIGHT`), so a
 * namespace with one critical finding ranks above one with two low ones. Cluster-scoped objects are
 * ranked together as the namespace `""` (shown as "cluster-scoped").
 */
import type { Severity } from '../core/types.js';
import type { Report } from '../results/model.js';
import { SEVERITY_WEIGHT } from './score.js';

export interface NamespaceRank {
  /** `""` for cluster-scoped objects. */
  namespace: string;
  objects: number;
  /** Objects with at least one finding. */
  failing: number;
  findings: Record<Severity, number>;
  /** Σ SEVERITY_WEIGHT(severity) over the namespace's findings. */
  weight: number;
}

export function rankNamespaces(report: Pick<Report, 'objects'>): NamespaceRank[] {
  const byName = new Map<string, NamespaceRank>();
  for (const o of report.objects) {
    const ns = o.ref.namespace ?? '';
    let r = byName.get(ns);
    if (!r) byName.set(ns, (r = { namespace: ns, objects: 0, failing: 0, findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, weight: 0 }));
    r.objects++;
    if (o.findings.length > 0) r.failing++;
    for (const f of o.findings) {
      r.findings[f.severity]++;
      r.weight += SEVERITY_WEIGHT[f.severity];
    }
  }
  return [...byName.values()].sort((a, b) => b.weight - a.weight || b.failing - a.failing || a.namespace.localeCompare(b.namespace));
}
