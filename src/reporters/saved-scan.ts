/**
 * The saved scan of a report made with a policy set: results, compliance (src/compliance) and the tool,
 * policies and configuration that made them. Shared by `scan`/`audit` (report-output.ts) and the
 * controller's `/report`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rankNamespaces } from '../compliance/namespaces.js';
import { scoreCompliance } from '../compliance/score.js';
import { packageVersion } from '../package-paths.js';
import { formatPssVersion } from '../core/version.js';
import type { PolicySet } from '../policy-set/policy-set.js';
import type { Report } from '../results/model.js';
import type { Streamable } from './json-stream.js';
import { buildScanDocument, scanDocumentParts, type ScanDocument, type ScanMeta, type ScanPolicy } from './scan-document.js';

export { packageVersion };

export type ReportSet = Pick<PolicySet, 'registry' | 'engine' | 'fileConfig'>;


/** The saved scan of a report: results, compliance and the tool, policies and configuration that made them. */
export function scanDocument(report: Report, set: ReportSet, context: ScanContext): ScanDocument {
  return buildScanDocument(report, complianceOf(report, set), rankNamespaces(report), scanMeta(set, context));
}

/** The same saved scan with its objects and failing resources made as they are written (`scan -o json`). */
export function scanDocumentStream(report: Report, set: ReportSet, context: ScanContext): Streamable<ScanDocument> {
  return scanDocumentParts(report, complianceOf(report, set), rankNamespaces(report), scanMeta(set, context));
}

type ScanContext = { source: ScanDocument['source']; now?: Date };

function scanMeta(set: ReportSet, context: ScanContext): ScanMeta {
  const toolVersion = packageVersion();
  const actions = new Map(set.engine.enabled.map((e) => [e.id, e.action] as const));
  const policies: ScanPolicy[] = [...set.registry.policies.values()]
    .filter((r) => actions.has(r.policy.id))
    .map((r) => ({
      id: r.policy.id,
      title: r.policy.title,
      severity: r.policy.severity,
      category: r.policy.category,
      controls: [...r.policy.controls],
      action: actions.get(r.policy.id)!,
      origin: r.source.origin,
      version: r.source.origin === 'builtin' ? toolVersion : fileDigest(r.source.file),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return {
    source: context.source,
    generatedAt: context.now ?? new Date(),
    toolVersion,
    policySet: { profile: set.fileConfig.profile, mode: set.engine.mode, pssVersion: formatPssVersion(set.engine.pssVersion), configDigest: `sha256:${sha256(canonicalJson(set.fileConfig))}`, policies },
  };
}

/**
 * Scores the report against the frameworks. The policies that count are those the configuration
 * enables and those that ran anyway (Pod Security checks that namespace labels switch on).
 */
export function complianceOf(report: Report, set: Pick<PolicySet, 'registry' | 'engine'>, options: { failing?: boolean } = {}) {
  const ids = new Set(set.engine.enabled.map((e) => e.id));
  for (const o of report.objects) {
    for (const f of o.findings) ids.add(f.policyId);
    for (const id of o.passed ?? []) ids.add(id);
  }
  return scoreCompliance(report, set.registry, ids, options);
}

/** A user policy's version: its source file's digest (the file may have gone since it loaded). */
function fileDigest(file: string): string {
  try {
    return `sha256:${sha256(readFileSync(file, 'utf8')).slice(0, 16)}`;
  } catch {
    return 'unknown';
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted at every level, so that equal configurations have equal digests. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}
