import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArtifactLocation, Log, Notification, ReportingDescriptor, Result } from 'sarif';
import type { Location } from 'sarif';
import { isFileRef, type ObjectResult, type Report, type ResultFinding } from '../results/model.js';
import { objectName } from './describe.js';
import type { Registry } from '../core/registry.js';
import { jsonChunks, LazyList, type Streamable } from './json-stream.js';

const LEVEL = { deny: 'error', warn: 'warning', audit: 'note' } as const;
const SECURITY_SEVERITY = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' } as const;

export interface SarifOptions {
  /**
   * The directory file paths are made relative to (`--sarif-root`), named `SRCROOT` in
   * `originalUriBaseIds`: code scanning places results by repository-relative paths.
   */
  root?: string;
}

/** The artifact location of a file read by a scan: relative to the root when it lies under it. */
function artifactOf(file: string, root: string | undefined): ArtifactLocation {
  if (root === undefined || file.startsWith('<')) return { uri: file };
  const abs = resolve(file);
  const rel = relative(root, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
}

/**
 * SARIF 2.1.0, as code scanning services ingest it: one rule per policy, one result per finding.
 * Input that could not be examined is an error notification of the invocation, which is then not
 * successful (the exit code is 2): a reader of the SARIF alone sees that the scan was incomplete.
 */
export function renderSarif(report: Report, registry: Registry, version: string, options: SarifOptions = {}): string {
  return JSON.stringify(sarifLog(report, registry, version, options), null, 2) + '\n';
}

/** The same text in pieces, one result made at a time as it is written (`scan -o sarif`): never held whole. */
export function sarifChunks(report: Report, registry: Registry, version: string, options: SarifOptions = {}): Generator<string> {
  return jsonChunks(sarifLog(report, registry, version, options), { end: '\n' });
}

/** The SARIF log with its results as a LazyList (one per finding: the bulk of the log). */
function sarifLog(report: Report, registry: Registry, version: string, options: SarifOptions): Streamable<Log> {
  const root = options.root !== undefined ? resolve(options.root) : undefined;
  const used = new Set<string>();
  for (const o of report.objects) for (const f of o.findings) used.add(f.policyId);
  const rules: ReportingDescriptor[] = [...registry.policies.values()].filter((r) => used.has(r.policy.id)).map(({ policy }) => ({
    id: policy.id,
    name: policy.id,
    shortDescription: { text: policy.title },
    fullDescription: { text: policy.description },
    help: { text: policy.remediation },
    defaultConfiguration: { level: LEVEL[policy.defaultAction] },
    properties: { tags: ['security', 'kubernetes', policy.category, ...policy.controls], 'security-severity': SECURITY_SEVERITY[policy.severity] },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const resultOf = (o: ObjectResult, f: ResultFinding): Result => {
    const logical = { fullyQualifiedName: `${o.ref.kind}/${o.ref.namespace ?? ''}/${o.ref.name}/${f.path}` };
    // Objects read from a cluster have no file: the logical location alone names them.
    const location: Location = isFileRef(o.ref)
      ? { physicalLocation: { artifactLocation: artifactOf(o.ref.file, root), region: { startLine: f.line ?? o.ref.line } }, logicalLocations: [logical] }
      : { logicalLocations: [logical] };
    return {
      ruleId: f.policyId,
      ruleIndex: index.get(f.policyId) ?? -1,
      level: LEVEL[f.action],
      message: { text: `${objectName(o.ref)}: ${f.message}${f.path ? ` (${f.path})` : ''}` },
      locations: [location],
      properties: { severity: f.severity, controls: f.controls },
      // A baselined finding is still a result, marked as accepted outside the code (code scanning shows it as suppressed).
      ...(f.baselined === true ? { suppressions: [{ kind: 'external', status: 'accepted', justification: 'in the kube-posture baseline (scan --baseline)' }] } : {}),
    };
  };
  const results = LazyList.from(function* () {
    for (const o of report.objects) for (const f of o.findings) yield resultOf(o, f);
  });
  // Exempt objects have no results; they are listed so that a reader sees they were not judged.
  const exempt = report.objects.filter((o) => o.status === 'exempt').map((o) => ({ object: objectName(o.ref), reason: o.exemptBy }));
  const notifications: Notification[] = report.problems.map((p) => ({
    level: 'error',
    message: { text: p.message },
    descriptor: { id: p.code },
    ...(p.file !== undefined ? { locations: [{ physicalLocation: { artifactLocation: artifactOf(p.file, root), ...(p.line !== undefined ? { region: { startLine: p.line } } : {}) } }] } : {}),
  }));
  const notInspected = report.notInspected !== undefined ? { notInspected: report.notInspected } : {};
  const properties = { ...(exempt.length > 0 ? { exempt } : {}), ...notInspected };
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{
      tool: { driver: { name: 'kube-posture', version, informationUri: 'https://github.com/kube-posture/kube-posture', rules } },
      invocations: [{ executionSuccessful: report.problems.length === 0, ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}) }],
      ...(root !== undefined ? { originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root).href.replace(/\/?$/, '/') } } } : {}),
      results,
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
    }],
  };
}
