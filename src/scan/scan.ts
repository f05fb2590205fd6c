import { evaluate, type EvaluateOptions } from '../core/engine.js';
import { decide } from '../core/decide.js';
import { inputFromObject } from '../core/input.js';
import type { VulnerabilityLookup } from '../core/vulnerabilities.js';
import { parsePath } from '../core/path.js';
import { asRecord } from '../core/safe.js';
import type { Problem } from '../core/errors.js';
import type { PolicySet } from '../policy-set/policy-set.js';
import { buildReport, objectResult } from '../results/build.js';
import type { FileRef, ObjectResult, Report } from '../results/model.js';
import type { ManifestObject } from './manifests.js';
import { addContextFindings } from './scan-context.js';
import { viewKinds } from '../core/context.js';
import { canonicalKind, groupOf, isAnyKind, kindKey } from '../core/kinds.js';
import { serviceAccountIndex } from '../core/service-accounts.js';

/**
 * Evaluates manifests as the webhook would evaluate their creation. Namespaces in the same set lend
 * their labels to the objects in them, so PSA-style namespace labels apply offline too. Then the
 * enabled cluster policies judge the set as a whole (./scan-context.ts).
 */
export function scanManifests(objects: readonly ManifestObject[], set: PolicySet, options: EvaluateOptions & { defaultNamespace?: string; problems?: Problem[]; vulnerabilities?: VulnerabilityLookup } = {}): Report {
  const nsLabels = new Map<string, Record<string, string>>();
  for (const { object } of objects) {
    const meta = asRecord(object.metadata);
    if (object.kind === 'Namespace' && typeof meta?.name === 'string') nsLabels.set(meta.name, (asRecord(meta.labels) ?? {}) as Record<string, string>);
  }
  // ServiceAccounts in the input tell the pods that use them whether a token is mounted.
  const serviceAccounts = serviceAccountIndex(objects.map((m) => m.object), (o) => {
    const ns = asRecord(o.metadata)?.namespace;
    return typeof ns === 'string' ? ns : options.defaultNamespace;
  });
  const results: ObjectResult[] = [];
  for (const m of objects) {
    const meta = asRecord(m.object.metadata) ?? {};
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : options.defaultNamespace;
    const labels = namespace !== undefined ? nsLabels.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace } : undefined;
    const input = inputFromObject(m.object, { ...(namespace !== undefined ? { namespace } : {}), ...(labels ? { namespaceLabels: labels } : {}), ...(options.vulnerabilities ? { vulnerabilities: options.vulnerabilities } : {}), serviceAccounts });
    const result = evaluate(input, set.registry, set.engine, options);
    const ref: FileRef = {
      apiVersion: String(m.object.apiVersion ?? ''),
      kind: String(m.object.kind ?? ''),
      name: typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '',
      ...(namespace !== undefined ? { namespace } : {}),
      file: m.file,
      line: m.line,
    };
    results.push(objectResult(ref, result, decide(result), (path) => (path === '' ? m.line : m.lineOf(parsePath(path)))));
  }
  addContextFindings(objects, results, set, options);
  const report = buildReport(results, options.problems ?? []);
  const notInspected = notInspectedKinds(results, set);
  return Object.keys(notInspected).length > 0 ? { ...report, notInspected } : report;
}

/**
 * Kinds of the evaluated objects that no enabled policy looked at. A policy of every kind (`*`, such
 * as the removed-API-version check) does not count: it judges the version, not the object. A cluster
 * policy that reads the kind from the view does count.
 */
function notInspectedKinds(results: readonly ObjectResult[], set: PolicySet): Record<string, number> {
  const byView = new Set(viewKinds(set.registry, set.engine).map(kindKey));
  const specific = (id: string) => set.registry.policies.get(id)?.kinds.some(isAnyKind) !== true;
  const out: Record<string, number> = {};
  for (const o of results) {
    if (o.status !== 'evaluated') continue;
    const gk = canonicalKind({ group: groupOf(o.ref.apiVersion), kind: o.ref.kind });
    if (byView.has(kindKey(gk))) continue;
    const ids = [...(o.passed ?? []), ...o.findings.map((f) => f.policyId), ...o.policyExemptions.map((p) => p.policyId)];
    if (ids.some(specific)) continue;
    const key = kindKey(gk);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
