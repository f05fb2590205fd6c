/**
 * The saved scan: what `scan -o json` and `audit -o json` write, and what `kube-posture report` reads.
 * One JSON document carrying where the results came from (cluster or manifests), when, with which tool,
 * policies and configuration, every result and the compliance summary. Its JSON Schema is
 * `scan-document-schema.ts` (published as docs/schema/scan-v1.schema.json). Values are scalars only:
 * no object contents are copied.
 */
import type { ComplianceSummary, ControlScore } from '../compliance/score.js';
import type { NamespaceRank } from '../compliance/namespaces.js';
import type { Problem } from '../core/errors.js';
import type { Action, Severity } from '../core/types.js';
import type { ReportScope, ResultFinding, Summary } from '../results/model.js';
import type { ObjectResult, Report } from '../results/model.js';
import { objectName } from './describe.js';
import { lazyList, materialize, type Streamable } from './json-stream.js';

export const SCAN_DOCUMENT_API_VERSION = 'kube-posture.io/scan/v1';

/** One policy of the set in force: enough to read a finding without the tool (and its version). */
export interface ScanPolicy {
  id: string;
  title: string;
  severity: Severity;
  category: string;
  controls: string[];
  /** The action the configuration gives it. */
  action: Action;
  origin: 'builtin' | 'user';
  /** Built-in policies: the tool's version; user policies: a digest of their source file. */
  version: string;
}

export interface ScanObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  file?: string;
  line?: number;
  uid?: string;
  resourceVersion?: string;
  cluster?: string;
  allowed: boolean;
  status: 'evaluated' | 'exempt';
  exemptBy?: string;
  policyExemptions?: { policyId: string; reason: string }[];
  findings: ResultFinding[];
}

/** A control's score as the saved scan writes it: `null` for no score (JSON has no undefined), failing resources by name. */
export interface ScanControlJson extends Omit<ControlScore, 'score' | 'failing'> {
  score: number | null;
  failing: { object: string; policyId: string; path: string }[];
}

export interface ScanFrameworkJson {
  id: string;
  name: string;
  compliance: number | null;
  risk: number | null;
  applied: number;
  controls: ScanControlJson[];
}

export interface ScanDocument {
  apiVersion: typeof SCAN_DOCUMENT_API_VERSION;
  /** What was scanned: a cluster (kubeconfig context) or manifests (the paths given). */
  source: { type: 'cluster' | 'manifests'; name: string };
  /** When the results were made (ISO 8601). */
  generatedAt: string;
  tool: { name: 'kube-posture'; version: string };
  policySet: {
    profile: string;
    mode: string;
    pssVersion: string;
    /** sha256 of the effective configuration (file plus --profile/--mode), canonical JSON. */
    configDigest: string;
    policies: ScanPolicy[];
  };
  summary: Summary;
  problems: Problem[];
  /** The same list under the name tools look for; `problems` stays for existing readers. */
  errors?: Problem[];
  /** Objects of kinds no enabled policy inspects, counted by kind (`scan`). */
  notInspected?: Record<string, number>;
  scope?: ReportScope;
  objects: ScanObject[];
  compliance: { frameworks: ScanFrameworkJson[]; namespaces: NamespaceRank[] };
}

export interface ScanMeta {
  source: ScanDocument['source'];
  generatedAt: Date;
  toolVersion: string;
  policySet: ScanDocument['policySet'];
}

/** The saved scan as a value: what `report`, the HTML page and the Markdown summary read. */
export function buildScanDocument(report: Report, compliance: ComplianceSummary, namespaces: NamespaceRank[], meta: ScanMeta): ScanDocument {
  return materialize<ScanDocument>(scanDocumentParts(report, compliance, namespaces, meta));
}

/**
 * The saved scan with its two large arrays (the objects, each control's failing resources) left as
 * LazyLists: written by `jsonChunks` one item at a time, or made whole by `buildScanDocument`. The one
 * definition of the document's fields and their order.
 */
export function scanDocumentParts(report: Report, compliance: ComplianceSummary, namespaces: NamespaceRank[], meta: ScanMeta): Streamable<ScanDocument> {
  return {
    apiVersion: SCAN_DOCUMENT_API_VERSION,
    source: meta.source,
    generatedAt: meta.generatedAt.toISOString(),
    tool: { name: 'kube-posture', version: meta.toolVersion },
    policySet: meta.policySet,
    summary: report.summary,
    problems: report.problems,
    errors: report.problems,
    ...(report.notInspected !== undefined ? { notInspected: report.notInspected } : {}),
    ...(report.scope ? { scope: report.scope } : {}),
    objects: lazyList(report.objects, scanObject),
    compliance: { frameworks: complianceParts(compliance), namespaces },
  };
}

/** One result as the saved scan writes it: its identity, verdict, exemptions and findings. */
export function scanObject(o: ObjectResult): ScanObject {
  return {
    ...o.ref,
    allowed: o.verdict.allowed,
    status: o.status,
    ...(o.exemptBy !== undefined ? { exemptBy: o.exemptBy } : {}),
    ...(o.policyExemptions.length > 0 ? { policyExemptions: o.policyExemptions } : {}),
    findings: o.findings,
  };
}

/** The compliance summary for JSON: counts and scores per control, failing resources by name, policy and path. */
export function complianceJson(summary: ComplianceSummary): ScanFrameworkJson[] {
  return materialize<ScanFrameworkJson[]>(complianceParts(summary));
}

function complianceParts(summary: ComplianceSummary): Streamable<ScanFrameworkJson[]> {
  return summary.frameworks.map((f) => ({
    id: f.id,
    name: f.name,
    compliance: f.compliance ?? null,
    risk: f.risk ?? null,
    applied: f.applied,
    controls: f.controls.map((c) => ({
      id: c.id,
      title: c.title,
      status: c.status,
      ...(c.severity ? { severity: c.severity } : {}),
      policies: c.policies,
      evaluated: c.evaluated,
      passed: c.passed,
      failed: c.failed,
      exempt: c.exempt,
      score: c.score ?? null,
      failing: lazyList(c.failing, (x) => ({ object: objectName(x.ref), policyId: x.policyId, path: x.path })),
    })),
  }));
}
