import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Location } from 'sarif';
import { isFileRef, type Report } from '../results/model.js';
import { objectName } from './describe.js';
import type { Registry } from '../core/registry.js';

const LEVEL = { deny: 'error', warn: 'warning', audit: 'note' } as const;
const SECURITY_SEVERITY = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' } as const;

/** SARIF 2.1.0, as code scanning services ingest it: one rule per policy, one result per finding. */
export function renderSarif(report: Report, registry: Registry, version: string): string {
  const used = new Set(report.objects.flatMap((o) => o.findings.map((f) => f.policyId)));
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
  const results: Result[] = report.objects.flatMap((o) => o.findings.map((f): Result => {
    const logical = { fullyQualifiedName: `${o.ref.kind}/${o.ref.namespace ?? ''}/${o.ref.name}/${f.path}` };
    // Objects read from a cluster have no file: the logical location alone names them.
    const location: Location = isFileRef(o.ref)
      ? { physicalLocation: { artifactLocation: { uri: o.ref.file }, region: { startLine: f.line ?? o.ref.line } }, logicalLocations: [logical] }
      : { logicalLocations: [logical] };
    return {
      ruleId: f.policyId,
      ruleIndex: index.get(f.policyId) ?? -1,
      level: LEVEL[f.action],
      message: { text: `${objectName(o.ref)}: ${f.message}${f.path ? ` (${f.path})` : ''}` },
      locations: [location],
      properties: { severity: f.severity, controls: f.controls },
    };
  }));
  // Exempt objects have no results; they are listed so that a reader sees they were not judged.
  const exempt = report.objects.filter((o) => o.status === 'exempt').map((o) => ({ object: objectName(o.ref), reason: o.exemptBy }));
  const log: Log = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{ tool: { driver: { name: 'kube-posture', version, informationUri: 'https://github.com/kube-posture/kube-posture', rules } }, results, ...(exempt.length > 0 ? { properties: { exempt } } : {}) }],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
