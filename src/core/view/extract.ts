/**
 * What the cluster view keeps of one object: a few fields copied into a fresh, small summary. Nothing
 * here keeps a reference into the object (labels and strings are copied), so a listed page can be
 * collected as soon as it is read, and a kind the view does not summarise (a Secret) leaves nothing.
 * Total: a field of the wrong type is absent.
 */
import { groupOf, kindKey, lookupKind } from '../kinds.js';
import { asArray, asRecord, asString, getIn, isRecord } from '../safe.js';
import { sanitizeSelector } from '../selectors.js';
import { aggregationSelectorsOf, roleRefOf, rulesOf, subjectsOf, type RuleView } from '../subjects/rbac.js';
import { effectivePolicyTypes } from '../subjects/network.js';
import type {
  BindingSummary, ReadonlyLabels, NamespaceSummary, NetworkPolicySummary, ObjectId, PolicyType, RoleSummary, ServiceAccountSummary, WorkloadSummary,
} from './types.js';

export type ExtractedSummary =
  | { type: 'namespace'; summary: NamespaceSummary }
  | { type: 'networkPolicy'; summary: NetworkPolicySummary }
  | { type: 'workload'; summary: WorkloadSummary; uid?: string; controllerUid?: string }
  | { type: 'serviceAccount'; summary: ServiceAccountSummary }
  | { type: 'role'; summary: RoleSummary }
  | { type: 'binding'; summary: BindingSummary };

const RBAC = 'rbac.authorization.k8s.io';

/** The workload kinds of the view: every pod-bearing kind but PodTemplate, which describes no running pod. */
export const WORKLOAD_KINDS: readonly string[] = Object.freeze(['Pod', 'ReplicationController', 'ReplicaSet.apps', 'Deployment.apps', 'StatefulSet.apps', 'DaemonSet.apps', 'Job.batch', 'CronJob.batch']);
export const RBAC_KINDS: readonly string[] = Object.freeze([`Role.${RBAC}`, `ClusterRole.${RBAC}`, `RoleBinding.${RBAC}`, `ClusterRoleBinding.${RBAC}`]);

/** The kinds the view summarises (`Kind` or `Kind.group`); cluster policies may read only these. */
export const VIEW_KINDS: readonly string[] = Object.freeze(['Namespace', 'ServiceAccount', 'NetworkPolicy.networking.k8s.io', ...RBAC_KINDS, ...WORKLOAD_KINDS]);
const VIEW_KIND_SET = new Set(VIEW_KINDS);

/** Gives one copy of equal strings (the builder's pool), so repeated labels are held once. */
export type Intern = (s: string) => string;
const asIs: Intern = (s) => s;

/** Gives one copy of equal rule lists: thousands of Roles hold the same few rules. */
export type ShareRules = (rules: RuleView[]) => RuleView[];
const ownRules: ShareRules = (r) => r;

/** A copy of the string entries of a label map. */
export function copyLabels(value: unknown, intern: Intern = asIs): ReadonlyLabels {
  const out: Record<string, string> = {};
  const rec = asRecord(value);
  if (rec !== undefined) for (const [k, v] of Object.entries(rec)) if (typeof v === 'string') out[intern(k)] = intern(v);
  return out;
}

const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

/** The summary of an object of a view kind, or undefined for any other object. */
export function extractSummary(object: unknown, id: ObjectId, intern: Intern = asIs, shareRules: ShareRules = ownRules): ExtractedSummary | undefined {
  const gk = { group: groupOf(id.apiVersion), kind: id.kind };
  if (!VIEW_KIND_SET.has(kindKey(gk))) return undefined;
  const known = lookupKind(gk);
  const meta = asRecord(getIn(object, ['metadata']));
  // Summaries are written as whole literals, never `{ ...base, more }`: V8 gives each object made by a
  // spread its own hidden class (about 200 bytes), which across 100,000 summaries is tens of MiB.
  const labels = copyLabels(meta?.labels, intern);
  const base = { id, labels, name: id.name };
  const namespace = id.namespace ?? '';
  if (known?.podPath !== undefined) return workloadOf(object, base, namespace, known.podPath, meta, intern);
  switch (id.kind) {
    case 'Namespace':
      return { type: 'namespace', summary: base };
    case 'ServiceAccount':
      return { type: 'serviceAccount', summary: { id, labels, name: id.name, namespace, automountServiceAccountToken: bool(getIn(object, ['automountServiceAccountToken'])) } };
    case 'NetworkPolicy': {
      const selector = getIn(object, ['spec', 'podSelector']);
      // An omitted podSelector decodes to the empty selector, which selects every pod of the namespace.
      const podSelector = selector === undefined || selector === null ? {} : sanitizeSelector(selector);
      const types = [...effectivePolicyTypes(object).types].filter((t): t is PolicyType => t === 'Ingress' || t === 'Egress');
      return { type: 'networkPolicy', summary: { id, labels, name: id.name, namespace, podSelector, policyTypes: types } };
    }
    case 'Role':
    case 'ClusterRole': {
      const aggregated = isRecord(getIn(object, ['aggregationRule']));
      const rules = shareRules(rulesOf(object));
      return {
        type: 'role',
        summary: { id, labels, name: id.name, kind: id.kind, namespace: id.kind === 'Role' ? namespace : '', rules, aggregationSelectors: aggregated && id.kind === 'ClusterRole' ? aggregationSelectorsOf(object).map((s) => s.selector) : undefined },
      };
    }
    case 'RoleBinding':
    case 'ClusterRoleBinding': {
      // subjectsOf reads the binding's kind and namespace for service-account defaults: give it the view's.
      const subjects = subjectsOf({ kind: id.kind, metadata: { namespace }, subjects: getIn(object, ['subjects']) });
      return { type: 'binding', summary: { id, labels, name: id.name, kind: id.kind, namespace: id.kind === 'RoleBinding' ? namespace : '', roleRef: roleRefOf(object), subjects } };
    }
    default:
      return undefined;
  }
}

function workloadOf(object: unknown, base: { id: ObjectId; labels: ReadonlyLabels; name: string }, namespace: string, podPath: readonly string[], meta: Record<string, unknown> | undefined, intern: Intern): ExtractedSummary {
  const pod = podPath.length === 0 ? object : getIn(object, podPath);
  const spec = asRecord(getIn(pod, ['spec']));
  const byName = asString(spec?.serviceAccountName);
  const legacy = asString(spec?.serviceAccount);
  const projectedToken = asArray(spec?.volumes).some((v) => asArray(getIn(v, ['projected', 'sources'])).some((s) => isRecord(getIn(s, ['serviceAccountToken']))));
  const uid = asString(meta?.uid);
  const controllerUid = controllerUidOf(meta);
  return {
    type: 'workload',
    summary: {
      id: base.id,
      labels: base.labels,
      name: base.name,
      namespace,
      kind: base.id.kind,
      podPath,
      podLabels: copyLabels(getIn(pod, ['metadata', 'labels']), intern),
      serviceAccountName: intern(byName !== undefined && byName !== '' ? byName : legacy !== undefined && legacy !== '' ? legacy : 'default'),
      automountServiceAccountToken: bool(spec?.automountServiceAccountToken),
      projectedToken,
      hostNetwork: spec?.hostNetwork === true,
    },
    uid: uid !== undefined && uid !== '' ? uid : undefined,
    controllerUid,
  };
}

/** The uid of the managing controller (`ownerReferences[].controller: true`). */
function controllerUidOf(meta: Record<string, unknown> | undefined): string | undefined {
  for (const ref of asArray(meta?.ownerReferences)) {
    const r = asRecord(ref);
    if (r?.controller === true && typeof r.uid === 'string' && r.uid !== '') return r.uid;
  }
  return undefined;
}
