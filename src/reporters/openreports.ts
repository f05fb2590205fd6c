/**
 * Results as Kubernetes report objects: openreports.io/v1alpha1 `Report`/`ClusterReport` (the format
 * Kyverno and Kubewarden are moving to), or wgpolicyk8s.io/v1alpha2 `PolicyReport`/`ClusterPolicyReport`
 * for Policy Reporter setups on the older API. One object per evaluated resource, named after its uid,
 * in its namespace, owned by it (the garbage collector removes the report with the resource). Pure:
 * the live writer and `-o openreports` both build their objects here. See docs/cli.md.
 */
import { stringify } from 'yaml';
import type { Registry } from '../core/registry.js';
import { isFileRef, type ClusterRef, type ObjectRef, type ObjectResult, type Report } from '../results/model.js';
import { objectName } from './describe.js';
import { keepWithin, resultsOf, SOURCE, summaryOf, type PolicyInfo, type PolicyReportResult, type ReportSummary, type ResultOptions } from './openreports-results.js';

export type ReportFlavour = 'openreports' | 'wgpolicy';

export interface ReportOptions extends ResultOptions {
  /** Default `openreports`. */
  flavour?: ReportFlavour;
  /** Most results one object holds; the rest are counted, not listed. Default DEFAULT_MAX_RESULTS. */
  maxResults?: number;
  /** Most bytes of JSON one object takes. Default DEFAULT_MAX_BYTES. */
  maxBytes?: number;
}

/**
 * Far under etcd's 1.5 MiB request limit: a report is rewritten whenever its resource's findings
 * change, and thousands of them share the store with everything else. And under half of the 256 KiB
 * that all annotations of an object may take: client-side `kubectl apply` copies the whole object
 * into its last-applied annotation.
 */
export const DEFAULT_MAX_BYTES = 128 * 1024;
export const DEFAULT_MAX_RESULTS = 500;

/**
 * Kyverno names its per-resource reports by the bare uid in the resource's namespace; the prefix keeps
 * ours from colliding with them when both write OpenReports. Policy Reporter keys on `scope`, not names.
 */
export const REPORT_NAME_PREFIX = 'kube-posture-';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** The resource's uid, for selecting its report (`kubectl get reports -l kube-posture.io/resource-uid=...`) and sweeping stale ones. */
export const LABEL_RESOURCE_UID = 'kube-posture.io/resource-uid';
/** How many results were left out of `results` to stay within the bounds (absent when none were). */
export const ANNOTATION_OMITTED = 'kube-posture.io/omitted-results';

const API_VERSION: Record<ReportFlavour, string> = { openreports: 'openreports.io/v1alpha1', wgpolicy: 'wgpolicyk8s.io/v1alpha2' };
const KIND: Record<ReportFlavour, { namespaced: string; cluster: string }> = {
  openreports: { namespaced: 'Report', cluster: 'ClusterReport' },
  wgpolicy: { namespaced: 'PolicyReport', cluster: 'ClusterPolicyReport' },
};

/** A reference to the resource: what `scope` holds and what ownerReferences name. */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface ReportObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences: OwnerReference[];
  };
  /** openreports.io only; wgpolicyk8s.io/v1alpha2 has `source` on each result alone. */
  source?: string;
  /** openreports.io only: the contract a consumer can read (the result cap and which statuses are listed). */
  configuration?: { limits: { maxResults: number; statusFilter: string[] } };
  scope: ResourceRef;
  /** Counts over every result, including those left out of `results` by the bounds. */
  summary: ReportSummary;
  results: PolicyReportResult[];
}

// A uid becomes part of an object name: a DNS-1123 subdomain. Real uids are lowercase UUIDs.
const UID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The report's name for a resource uid. */
export function reportName(uid: string): string {
  return `${REPORT_NAME_PREFIX}${uid}`;
}

/**
 * Why this object cannot have a report of its own, or undefined when it can. A report needs the
 * resource's uid (its name and owner reference) and its real name: manifests from files have neither,
 * and an admission request for an object not yet created has no uid.
 */
export function notRepresentable(ref: ObjectRef): string | undefined {
  if (isFileRef(ref)) return 'read from a file: it has no uid to name and own a report by';
  if (ref.uid === '') return 'it has no uid (not created yet)';
  if (!UID.test(ref.uid) || reportName(ref.uid).length > 253) return 'its uid cannot be part of an object name';
  if (ref.name === '' || ref.name.endsWith('*')) return 'it has no name yet (generateName)';
  return undefined;
}

/**
 * The report object of one resource. Throws a RangeError when `notRepresentable(result.ref)` says why
 * not. The object may hold no results (a clean resource without `includePass`): a writer deletes the
 * report then rather than keeping an empty one, as Kyverno does.
 */
export function toReportObject(result: ObjectResult, options: ReportOptions): ReportObject {
  const why = notRepresentable(result.ref);
  if (why !== undefined) throw new RangeError(`${objectName(result.ref)}: no report: ${why}`);
  const ref = result.ref as ClusterRef;
  const flavour = options.flavour ?? 'openreports';
  const maxResults = options.maxResults ?? DEFAULT_MAX_RESULTS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // maxResults is written to `configuration.limits.maxResults`, an integer in the CRD.
  if (!Number.isSafeInteger(maxResults) || maxResults < 1 || !Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError('report bounds: maxResults and maxBytes must be positive integers');
  const namespaced = ref.namespace !== undefined && ref.namespace !== '';
  // scope carries no resourceVersion: it changes on every update of the resource, and the report
  // would change with it even when its findings did not.
  const scope: ResourceRef = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, ...(namespaced ? { namespace: ref.namespace } : {}), uid: ref.uid };
  const all = resultsOf(result, options);
  const object: ReportObject = {
    apiVersion: API_VERSION[flavour],
    kind: namespaced ? KIND[flavour].namespaced : KIND[flavour].cluster,
    metadata: {
      name: reportName(ref.uid),
      ...(namespaced ? { namespace: ref.namespace } : {}),
      labels: { [LABEL_MANAGED_BY]: SOURCE, [LABEL_RESOURCE_UID]: ref.uid },
      // Neither `controller` (the resource does not manage the report) nor `blockOwnerDeletion`, which
      // would need update rights on the owner's finalizers for every kind we report on, and would make
      // deleting a resource wait on its report.
      ownerReferences: [{ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid }],
    },
    ...(flavour === 'openreports' ? { source: SOURCE, configuration: { limits: { maxResults, statusFilter: statusFilter(options) } } } : {}),
    scope,
    summary: summaryOf(all),
    results: [],
  };
  // Room for the omitted-results annotation, added once the count is known.
  const reserve = 64;
  const { kept, omitted } = keepWithin(all, { maxResults, maxBytes: maxBytes - Buffer.byteLength(JSON.stringify(object)) - reserve });
  object.results = kept;
  if (omitted > 0) object.metadata.annotations = { [ANNOTATION_OMITTED]: String(omitted) };
  return object;
}

function statusFilter(options: ResultOptions): string[] {
  return options.includePass === true ? ['pass', 'fail', 'warn', 'error', 'skip'] : ['fail', 'warn', 'error', 'skip'];
}

/** `policyInfo` from a registry: severity, category and controls of pass and skip results. */
export function registryPolicyInfo(registry: Pick<Registry, 'policies'>): (policyId: string) => PolicyInfo | undefined {
  return (id) => {
    const p = registry.policies.get(id)?.policy;
    return p === undefined ? undefined : { severity: p.severity, category: p.category, controls: p.controls };
  };
}

export interface RenderedReports {
  /** A YAML stream (`---` between documents) for `kubectl apply -f -`; empty when no object has results. */
  text: string;
  objects: ReportObject[];
  /** Objects that cannot have a report (files, objects without a uid), with the reason: never silently dropped. */
  skipped: { object: string; reason: string }[];
  /** Objects evaluated with nothing to report (no report object is written for them). */
  empty: number;
}

/** The report objects of a whole report, as `-o openreports` prints them. */
export function renderOpenReports(report: Report, options: ReportOptions): RenderedReports {
  const objects: ReportObject[] = [];
  const skipped: RenderedReports['skipped'] = [];
  let empty = 0;
  for (const o of report.objects) {
    const why = notRepresentable(o.ref);
    if (why !== undefined) {
      skipped.push({ object: objectName(o.ref), reason: why });
      continue;
    }
    const object = toReportObject(o, options);
    if (object.results.length === 0 && object.metadata.annotations === undefined) empty++;
    else objects.push(object);
  }
  const text = objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('');
  return { text, objects, skipped, empty };
}
