/** The built cluster view: frozen summaries and the indexes its queries answer from. */
import { kindKey, parseKindRef } from '../kinds.js';
import { matchesSelector } from '../selectors.js';
import type { Permission } from '../subjects/rbac.js';
import type { IgnoreRequest } from '../annotations.js';
import { objectKey, subjectId } from './ids.js';
import { RbacIndex } from './rights.js';
import type {
  BindingSummary, ClusterView, EffectiveGrant, GrantQuery, ReadonlyLabels, NamespaceSummary, NetworkPolicySummary, ObjectId, PolicyType, RoleSummary,
  RuleSource, ServiceAccountSummary, SubjectRef, WorkloadSummary,
} from './types.js';

export interface ViewParts {
  namespaces: NamespaceSummary[];
  networkPolicies: NetworkPolicySummary[];
  workloads: WorkloadSummary[];
  serviceAccounts: ServiceAccountSummary[];
  roles: RoleSummary[];
  bindings: BindingSummary[];
  /** Read only: the builder's own maps, which it copies before changing them after a build. */
  meta: ReadonlyMap<string, { uid?: string; resourceVersion?: string }>;
  origins: ReadonlyMap<string, ObjectId>;
  first: ObjectId | undefined;
  allComplete: boolean;
  completeKinds: Set<string>;
  /** Labels by object key, keyed with the builder's own key strings (no new key per object per build). */
  labelsByKey?: Map<string, ReadonlyLabels>;
  /** What `kube-posture.io/ignore` asks, by object key: only the objects that carry it (frozen). */
  ignores?: ReadonlyMap<string, StoredIgnore>;
}

/** An ignore request as the view keeps it: frozen, ids in a list (a Set cannot be frozen). */
export interface StoredIgnore {
  readonly ids: readonly string[];
  readonly reason?: string;
}

const NONE: readonly never[] = Object.freeze([]);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, readonly T[]> {
  const out = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    const list = out.get(k);
    if (list) list.push(i);
    else out.set(k, [i]);
  }
  for (const list of out.values()) Object.freeze(list);
  return out;
}

/**
 * Summaries are frozen deeply, so a policy cannot change what the next one sees; the indexes are
 * private and never handed out. Fields are TypeScript-private (not `#private`) on purpose: a test walks
 * everything reachable from a view to prove that no object contents were kept.
 */
export class ClusterViewImpl implements ClusterView {
  private readonly parts: ViewParts;
  private readonly byNamespace: Map<string, NamespaceSummary>;
  private readonly policiesByNs: Map<string, readonly NetworkPolicySummary[]>;
  private readonly workloadsByNs: Map<string, readonly WorkloadSummary[]>;
  private readonly saByKey: Map<string, ServiceAccountSummary>;
  private readonly labelsByKey: Map<string, ReadonlyLabels>;
  private readonly nsNames: readonly string[];
  private readonly rbac: RbacIndex;

  constructor(parts: ViewParts) {
    for (const list of [parts.namespaces, parts.networkPolicies, parts.workloads, parts.serviceAccounts, parts.roles, parts.bindings]) deepFreeze(list);
    deepFreeze(parts.first);
    if (parts.ignores !== undefined) for (const i of parts.ignores.values()) deepFreeze(i);
    this.parts = parts;
    this.byNamespace = new Map(parts.namespaces.map((n) => [n.name, n]));
    this.policiesByNs = groupBy(parts.networkPolicies, (p) => p.namespace);
    this.workloadsByNs = groupBy(parts.workloads, (w) => w.namespace);
    this.saByKey = new Map(parts.serviceAccounts.map((s) => [`${s.namespace}/${s.name}`, s]));
    this.labelsByKey = parts.labelsByKey ?? new Map();
    if (parts.labelsByKey === undefined) {
      for (const list of [parts.namespaces, parts.networkPolicies, parts.workloads, parts.serviceAccounts, parts.roles, parts.bindings]) {
        for (const s of list as readonly { id: ObjectId; labels: ReadonlyLabels }[]) this.labelsByKey.set(objectKey(s.id), s.labels);
      }
    }
    const names = new Set<string>(parts.namespaces.map((n) => n.name));
    for (const list of [parts.networkPolicies, parts.workloads, parts.serviceAccounts]) for (const s of list) names.add(s.namespace);
    for (const r of [...parts.roles, ...parts.bindings]) if (r.namespace !== '') names.add(r.namespace);
    this.nsNames = Object.freeze([...names].sort());
    this.rbac = new RbacIndex(parts.roles, parts.bindings);
    Object.freeze(this);
  }

  complete(kind: string): boolean {
    return this.parts.allComplete || this.parts.completeKinds.has(kindKey(parseKindRef(kind)));
  }

  namespaces(): readonly NamespaceSummary[] { return this.parts.namespaces; }
  namespace(name: string): NamespaceSummary | undefined { return this.byNamespace.get(name); }
  namespaceLabels(name: string): ReadonlyLabels {
    return { ...(this.byNamespace.get(name)?.labels ?? {}), 'kubernetes.io/metadata.name': name };
  }
  namespaceNames(): readonly string[] { return this.nsNames; }
  namespaceId(name: string): ObjectId { return this.byNamespace.get(name)?.id ?? { apiVersion: 'v1', kind: 'Namespace', name }; }

  workloads(): readonly WorkloadSummary[] { return this.parts.workloads; }
  workloadsIn(namespace: string): readonly WorkloadSummary[] { return this.workloadsByNs.get(namespace) ?? NONE; }

  networkPolicies(): readonly NetworkPolicySummary[] { return this.parts.networkPolicies; }
  networkPoliciesIn(namespace: string): readonly NetworkPolicySummary[] { return this.policiesByNs.get(namespace) ?? NONE; }
  policiesSelecting(workload: WorkloadSummary, type: PolicyType): readonly NetworkPolicySummary[] {
    return this.networkPoliciesIn(workload.namespace).filter((p) => p.policyTypes.includes(type) && p.podSelector !== undefined && matchesSelector(p.podSelector, workload.podLabels));
  }

  serviceAccounts(): readonly ServiceAccountSummary[] { return this.parts.serviceAccounts; }
  serviceAccount(namespace: string, name: string): ServiceAccountSummary | undefined { return this.saByKey.get(`${namespace}/${name}`); }
  mountsToken(w: WorkloadSummary): boolean {
    if (w.projectedToken) return true;
    if (w.automountServiceAccountToken !== undefined) return w.automountServiceAccountToken;
    return this.serviceAccount(w.namespace, w.serviceAccountName)?.automountServiceAccountToken !== false;
  }

  roles(): readonly RoleSummary[] { return this.parts.roles; }
  bindings(): readonly BindingSummary[] { return this.parts.bindings; }
  roleOf(binding: BindingSummary): RoleSummary | undefined { return this.rbac.roleOf(binding); }
  ruleSources(role: RoleSummary): readonly RuleSource[] { return this.rbac.ruleSources(role); }
  aggregatedInto(role: RoleSummary): readonly RoleSummary[] { return this.rbac.aggregatedInto(role); }
  bindingsOf(role: RoleSummary): readonly BindingSummary[] { return this.rbac.bindingsOf(role); }

  subjects(): readonly SubjectRef[] { return this.rbac.subjects; }
  bindingsFor(subject: SubjectRef, query?: GrantQuery): readonly { binding: BindingSummary; subject: SubjectRef }[] {
    return this.rbac.bindingsFor(subject, query);
  }
  grantsFor(subject: SubjectRef, permissions: readonly Permission[], query?: GrantQuery): EffectiveGrant[] {
    return this.rbac.grantsFor(subject, permissions, query);
  }

  subjectId(subject: SubjectRef): ObjectId { return subjectId(subject); }
  labelsOf(id: ObjectId): ReadonlyLabels { return this.labelsByKey.get(objectKey(id)) ?? {}; }
  ignoreOf(id: ObjectId): IgnoreRequest | undefined {
    const stored = this.parts.ignores?.get(objectKey(id));
    return stored === undefined ? undefined : { ids: new Set(stored.ids), ...(stored.reason !== undefined ? { reason: stored.reason } : {}) };
  }
  metaOf(id: ObjectId): { uid?: string; resourceVersion?: string } | undefined { return this.parts.meta.get(objectKey(id)); }
  originOf(id: ObjectId): ObjectId | undefined {
    const key = objectKey(id);
    if (this.parts.meta.has(key)) return undefined;
    return this.parts.origins.get(key) ?? this.parts.first;
  }
}
