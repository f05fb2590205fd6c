/**
 * From saved scans to what the page shows. Pure. Scans are put in time order; the latest scan of each
 * source (cluster or manifests) is its current state, the earlier ones only draw the trend. Scores come
 * from the scans (src/compliance made them); nothing is scored here, only gathered, summed as counts and
 * ranked by the rules src/compliance exports.
 */
import { controlPriority } from '../../compliance/priority.js';
import type { Severity } from '../../core/types.js';
import { buildVulnerabilityView, type VulnerabilityView } from './vulnerability-view.js';
import type { ScanDocument } from '../scan-document.js';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export interface SourceMeta {
  name: string;
  type: 'cluster' | 'manifests';
  generatedAt: string;
  toolVersion: string;
  profile: string;
  mode: string;
  configDigest: string;
  objects: number;
  findings: number;
  problems: number;
}

export interface TrendPoint {
  at: string;
  compliance: number | null;
  risk: number | null;
}

export interface FrameworkOverview {
  id: string;
  name: string;
  /** One per source, in source order: the latest score and the trend over that source's scans. */
  bySource: { source: string; compliance: number | null; risk: number | null; applied: number; trend: TrendPoint[] }[];
}

export interface ControlRow {
  id: string;
  title: string;
  status: 'judged' | 'not-covered';
  severity?: Severity;
  policies: string[];
  passed: number;
  failed: number;
  exempt: number;
  score: number | null;
  failing: { object: string; policyId: string; path: string }[];
}

export interface FrameworkDetail {
  id: string;
  name: string;
  bySource: { source: string; compliance: number | null; controls: ControlRow[] }[];
}

export interface TopControl {
  id: string;
  title: string;
  severity?: Severity;
  failed: number;
  frameworks: string[];
  sources: string[];
}

export interface TopNamespace {
  source: string;
  namespace: string;
  objects: number;
  failing: number;
  findings: Record<Severity, number>;
}

/** The findings table's data, compact: strings interned, one array per finding. */
export interface TableData {
  fleet: boolean;
  sources: string[];
  frameworks: { id: string; name: string }[];
  strings: string[];
  /**
   * [severity index, source index, namespace s, object s, policy s, message s, path s, remediation s,
   * framework bit mask, action s]; the mask holds one bit per framework (there are five; 31 would fit).
   */
  rows: number[][];
}

export interface ReportView {
  title: string;
  fleet: boolean;
  sources: SourceMeta[];
  scans: number;
  bySeverity: Record<Severity, number>;
  findings: number;
  frameworks: FrameworkOverview[];
  details: FrameworkDetail[];
  topControls: TopControl[];
  topNamespaces: TopNamespace[];
  table: TableData;
  /** The vulnerabilities view (findings of category vulnerability). */
  vulnerabilities: VulnerabilityView;
}

/** Failing resources listed per control on the page; the findings table holds them all. */
export const FAILING_SHOWN = 20;
const TOP = 10;

export function buildView(input: readonly ScanDocument[]): ReportView {
  const docs = [...input].sort((a, b) => Date.parse(a.generatedAt) - Date.parse(b.generatedAt));
  const names: string[] = [];
  const history = new Map<string, ScanDocument[]>();
  for (const d of docs) {
    if (!history.has(d.source.name)) {
      names.push(d.source.name);
      history.set(d.source.name, []);
    }
    history.get(d.source.name)!.push(d);
  }
  const latest = names.map((n) => history.get(n)!.at(-1)!);
  const fleet = names.length > 1;

  const sources: SourceMeta[] = latest.map((d) => ({
    name: d.source.name,
    type: d.source.type,
    generatedAt: d.generatedAt,
    toolVersion: d.tool.version,
    profile: d.policySet.profile,
    mode: d.policySet.mode,
    configDigest: d.policySet.configDigest,
    objects: d.summary.objects,
    findings: d.objects.reduce((a, o) => a + o.findings.length, 0),
    problems: d.problems.length,
  }));

  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, latest.reduce((a, d) => a + d.summary.bySeverity[s], 0)])) as Record<Severity, number>;

  const frameworkIds: { id: string; name: string }[] = [];
  for (const d of latest) for (const f of d.compliance.frameworks) if (!frameworkIds.some((x) => x.id === f.id)) frameworkIds.push({ id: f.id, name: f.name });

  const frameworks: FrameworkOverview[] = frameworkIds.map((fw) => ({
    ...fw,
    bySource: latest.flatMap((d) => {
      const now = d.compliance.frameworks.find((f) => f.id === fw.id);
      if (!now) return [];
      const trend = history.get(d.source.name)!.flatMap((h) => {
        const f = h.compliance.frameworks.find((x) => x.id === fw.id);
        return f ? [{ at: h.generatedAt, compliance: f.compliance, risk: f.risk }] : [];
      });
      return [{ source: d.source.name, compliance: now.compliance, risk: now.risk, applied: now.applied, trend }];
    }),
  }));

  const details: FrameworkDetail[] = frameworkIds.map((fw) => ({
    ...fw,
    bySource: latest.flatMap((d) => {
      const f = d.compliance.frameworks.find((x) => x.id === fw.id);
      return f ? [{ source: d.source.name, compliance: f.compliance, controls: f.controls.map((c) => ({ id: c.id, title: c.title, status: c.status, ...(c.severity ? { severity: c.severity } : {}), policies: c.policies, passed: c.passed, failed: c.failed, exempt: c.exempt, score: c.score, failing: c.failing.slice(0, FAILING_SHOWN) })) }] : [];
    }),
  }));

  // A control sits in several frameworks (PSS baseline is in restricted too): counted once per source.
  const controls = new Map<string, TopControl>();
  for (const d of latest) {
    const seen = new Set<string>();
    for (const f of d.compliance.frameworks) {
      for (const c of f.controls) {
        let top = controls.get(c.id);
        if (!top) controls.set(c.id, (top = { id: c.id, title: c.title, ...(c.severity ? { severity: c.severity } : {}), failed: 0, frameworks: [], sources: [] }));
        if (!top.frameworks.includes(f.name)) top.frameworks.push(f.name);
        if (seen.has(c.id) || c.failed === 0) continue;
        seen.add(c.id);
        top.failed += c.failed;
        top.sources.push(d.source.name);
      }
    }
  }
  const topControls = [...controls.values()]
    .filter((c) => c.failed > 0)
    .sort((a, b) => controlPriority(b.severity, b.failed) - controlPriority(a.severity, a.failed) || b.failed - a.failed || a.id.localeCompare(b.id))
    .slice(0, TOP);

  const topNamespaces = latest
    .flatMap((d) => d.compliance.namespaces.filter((n) => n.weight > 0).map((n) => ({ ...n, source: d.source.name })))
    .sort((a, b) => b.weight - a.weight || b.failing - a.failing)
    .slice(0, TOP)
    .map(({ source, namespace, objects, failing, findings }) => ({ source, namespace, objects, failing, findings }));

  const table = tableData(latest, frameworkIds, fleet);
  return {
    title: fleet ? `fleet of ${names.length} ${latest.every((d) => d.source.type === 'cluster') ? 'clusters' : 'sources'}` : names[0] ?? 'no scan',
    fleet,
    sources,
    scans: docs.length,
    bySeverity,
    findings: table.rows.length,
    frameworks,
    details,
    topControls,
    topNamespaces,
    table,
    vulnerabilities: buildVulnerabilityView(latest),
  };
}

function tableData(latest: ScanDocument[], frameworks: { id: string; name: string }[], fleet: boolean): TableData {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const s = (text: string): number => {
    let i = index.get(text);
    if (i === undefined) {
      i = strings.length;
      strings.push(text);
      index.set(text, i);
    }
    return i;
  };
  const rows: number[][] = [];
  latest.forEach((d, source) => {
    // Which frameworks a policy counts in, from this scan's own compliance summary.
    const masks = new Map<string, number>();
    for (const f of d.compliance.frameworks) {
      const bit = 1 << frameworks.findIndex((x) => x.id === f.id);
      for (const c of f.controls) for (const p of c.policies) masks.set(p, (masks.get(p) ?? 0) | bit);
    }
    for (const o of d.objects) {
      if (o.findings.length === 0) continue;
      const ns = s(o.namespace ?? '');
      const obj = s(`${o.kind} ${o.name}`);
      for (const f of o.findings) {
        rows.push([SEVERITIES.indexOf(f.severity), source, ns, obj, s(f.policyId), s(f.baselined === true ? `${f.message} (baselined: in the scan --baseline file, not failing)` : f.message), s(f.path), s(f.remediation), masks.get(f.policyId) ?? 0, s(f.action)]);
      }
    }
  });
  return { fleet, sources: latest.map((d) => d.source.name), frameworks, strings, rows };
}
