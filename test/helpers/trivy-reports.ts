/** Trivy Operator VulnerabilityReports for tests, made from the fixtures in test/fixtures/trivy-operator. */

/**
 * The same image reference as `report` (a copy, not changed) scanned clean for another workload: the
 * StatefulSet `cache`, with no owner reference. Two reports of one image with different results test
 * that each workload is judged by its own.
 */
export function cleanStatefulSetReport(report: any): any {
  const clean = structuredClone(report);
  clean.metadata.name = 'statefulset-cache-nginx';
  clean.metadata.labels['trivy-operator.resource.kind'] = 'StatefulSet';
  clean.metadata.labels['trivy-operator.resource.name'] = 'cache';
  delete clean.metadata.ownerReferences;
  clean.report.vulnerabilities = [];
  clean.report.summary = { criticalCount: 0, highCount: 0, mediumCount: 0, lowCount: 0, unknownCount: 0 };
  return clean;
}
