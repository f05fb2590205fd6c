/**
 * Every report object the converter makes is one the CRDs the chart ships accept, and keeps all its
 * fields: the apiserver prunes unknown fields silently, so the schemas are tightened here to refuse
 * them (`additionalProperties: false` wherever the CRD lists properties). ObjectMeta, which the CRDs
 * leave open, is checked against the apiserver's own rules for names and labels.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { decide } from '../../src/core/decide.js';
import type { EngineResult } from '../../src/core/engine.js';
import type { Finding } from '../../src/core/types.js';
import { objectResult } from '../../src/results/build.js';
import type { ClusterRef } from '../../src/results/model.js';
import { toReportObject, type ReportFlavour, type ReportObject } from '../../src/reporters/openreports.js';
import { CHART_DIR } from '../../scripts/manifests/helm.js';

interface Crd {
  spec: { group: string; names: { kind: string }; scope: string; versions: { name: string; served: boolean; schema: { openAPIV3Schema: Record<string, unknown> } }[] };
}

const CRD_FILES = ['crds/openreports.io_reports.yaml', 'crds/openreports.io_clusterreports.yaml', 'files/crds/wgpolicyk8s.io_policyreports.yaml', 'files/crds/wgpolicyk8s.io_clusterpolicyreports.yaml'];
const crds = CRD_FILES.map((f) => parse(readFileSync(join(CHART_DIR, f), 'utf8')) as Crd);

/** No unknown fields: what the apiserver would prune must fail here instead. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) if (!k.startsWith('x-kubernetes-')) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closed(s)])) : closed(v);
  if (out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

// Kubernetes formats (int32, int64) are not JSON Schema ones; integer ranges are checked by hand below.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
for (const crd of crds) {
  for (const v of crd.spec.versions) {
    if (!v.served) continue;
    validators.set(`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`, ajv.compile(closed(v.schema.openAPIV3Schema) as object));
  }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** ObjectMeta as the apiserver validates it (names, labels, owner references). */
function metaProblems(o: ReportObject): string[] {
  const p: string[] = [];
  const m = o.metadata;
  if (m.name.length > 253 || !DNS_SUBDOMAIN.test(m.name)) p.push(`name ${m.name}`);
  if (m.namespace !== undefined && (m.namespace.length > 63 || !DNS_LABEL.test(m.namespace))) p.push(`namespace ${m.namespace}`);
  for (const [k, v] of Object.entries({ ...m.labels })) {
    const [prefix, name] = k.includes('/') ? k.split('/') as [string, string] : [undefined, k];
    if ((prefix !== undefined && !DNS_SUBDOMAIN.test(prefix)) || name.length > 63 || !LABEL_NAME.test(name)) p.push(`label key ${k}`);
    if (v.length > 63 || !LABEL_VALUE.test(v)) p.push(`label value ${k}=${v}`);
  }
  for (const ref of m.ownerReferences) if (!ref.apiVersion || !ref.kind || !ref.name || !ref.uid) p.push('ownerReference lacks a field');
  for (const r of o.results) if (!Number.isInteger(r.timestamp.nanos) || r.timestamp.nanos < 0 || r.timestamp.nanos > 999_999_999) p.push('timestamp.nanos out of int32 range');
  return p;
}

function finding(over: Partial<Finding>): Finding {
  return { kind: 'violation', policyId: 'p', title: 't', severity: 'high', category: 'c', action: 'deny', message: 'm', path: 'spec.x', remediation: 'r', controls: ['cis-k8s:5.1.1'], ...over };
}
const engine = (over: Partial<EngineResult>): EngineResult => ({ findings: [], outcomes: [], mode: 'enforce', notes: [], ...over });
const UID = '6f1c2a9e-58a4-4c3e-9d0b-2b7d7f3e1a10';
const deployment: ClusterRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop', uid: UID, resourceVersion: '1' };
const clusterRole: ClusterRef = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'system:everything', uid: UID, resourceVersion: '1' };

const CASES: Record<string, { ref: ClusterRef; engine: EngineResult; maxResults?: number }> = {
  'denied Deployment, every kind of result': {
    ref: deployment,
    engine: engine({
      findings: [finding({ severity: 'critical', pssVersion: 'v1.31' }), finding({ policyId: 'w', action: 'warn', severity: 'medium' }), finding({ policyId: 'a', action: 'audit', severity: 'info' }), finding({ kind: 'error', policyId: 'e', path: '', controls: [] })],
      outcomes: [{ policyId: 'ok', outcome: 'pass' }, { policyId: 's', outcome: 'skip', reason: 'namespace shop' }],
    }),
  },
  'exempt Pod': { ref: { ...deployment, apiVersion: 'v1', kind: 'Pod' }, engine: engine({ exemptBy: 'namespace kube-system' }) },
  'ClusterRole': { ref: clusterRole, engine: engine({ findings: [finding({ policyId: 'rbac-no-wildcards', category: 'rbac', severity: 'low' })] }) },
  'truncated': { ref: deployment, engine: engine({ findings: Array.from({ length: 20 }, (_, i) => finding({ policyId: `p${i}` })) }), maxResults: 5 },
};

for (const flavour of ['openreports', 'wgpolicy'] as ReportFlavour[]) {
  t.test(`${flavour}: every object matches its CRD's served schema, with no field the apiserver would prune`, async (t) => {
    for (const [name, c] of Object.entries(CASES)) {
      const result = objectResult(c.ref, c.engine, decide(c.engine));
      const object = toReportObject(result, { flavour, includePass: true, now: new Date(Date.UTC(2025, 5, 1, 12, 0, 0, 999)), policyInfo: () => ({ severity: 'low', category: 'x', controls: ['nsa:1'] }), ...(c.maxResults !== undefined ? { maxResults: c.maxResults } : {}) });
      const validate = validators.get(`${object.apiVersion} ${object.kind}`);
      t.ok(validate, `${name}: a CRD in the chart serves ${object.apiVersion} ${object.kind}`);
      const ok = validate?.(object);
      t.ok(ok, `${name}: ${object.kind} valid${ok ? '' : `: ${ajv.errorsText(validate?.errors)}`}`);
      t.same(metaProblems(object), [], `${name}: metadata the apiserver accepts`);
      t.ok(object.results.length > 0, `${name}: not vacuous`);
    }
  });
}

t.test('the tightened schemas are not vacuous: they refuse an unknown field, a bad enum and a non-string property', async (t) => {
  const base = toReportObject(objectResult(deployment, CASES['ClusterRole']!.engine, decide(CASES['ClusterRole']!.engine)), { now: new Date(0) });
  const validate = validators.get('openreports.io/v1alpha1 Report')!;
  t.ok(validate(base));
  t.notOk(validate({ ...base, extra: 1 }), 'unknown top-level field');
  t.notOk(validate({ ...base, results: [{ ...base.results[0], result: 'deny' }] }), 'result outside the enum');
  t.notOk(validate({ ...base, results: [{ ...base.results[0], properties: { controls: ['a'] } }] }), 'properties are strings');
  t.notOk(validators.get('wgpolicyk8s.io/v1alpha2 PolicyReport')!({ ...base, apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport' }), 'v1alpha2 has no report-level source or configuration');
  t.same(metaProblems({ ...base, metadata: { ...base.metadata, labels: { 'kube-posture.io/resource-uid': 'x'.repeat(64) } } }), ['label value kube-posture.io/resource-uid=' + 'x'.repeat(64)]);
});

t.test('the OpenReports CRDs store v1alpha1, the version the converter writes', async (t) => {
  for (const crd of crds.slice(0, 2)) {
    t.same(crd.spec.versions.map((v) => v.name), ['v1alpha1'], `${crd.spec.names.kind}: one version`);
  }
  t.same(crds.map((c) => c.spec.scope), ['Namespaced', 'Cluster', 'Namespaced', 'Cluster']);
});
