/**
 * The read-only view of a cluster that cluster policies judge: small summaries of the objects that
 * context-aware checks need (namespaces, NetworkPolicy selectors, workloads' pods, RBAC roles and
 * bindings, service accounts), never whole objects and never Secret data. The adapters build it
 * (`ClusterViewBuilder`): `scan` from the manifests given, `audit` from the objects it lists.
 */
import type { PathSegment } from '../path.js';
import type { LabelSelector } from '../selectors.js';
import type { Grant, Permission, RoleRefView, RuleView, SubjectView } from '../subjects/rbac.js';
import type { IgnoreRequest } from '../annotations.js';

/** Which object a finding is about; for RBAC subjects that are no objects, `User` and `Group` in the RBAC API group. */
export interface ObjectId {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export type ReadonlyLabels = Readonly<Record<string, string>>;

interface Summary {
  readonly id: ObjectId;
  /** The object's own labels (`metadata.labels`), for exemptions and aggregation. */
  readonly labels: ReadonlyLabels;
  readonly name: string;
}

export interface NamespaceSummary extends Summary {}

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicySummary extends Summary {
  readonly namespace: string;
  /** Undefined when the selector is malformed: it then selects no pod. An omitted one selects every pod. */
  readonly podSelector: LabelSelector | undefined;
  /** The effective types: as listed, or Ingress plus Egress when egress rules exist. */
  readonly policyTypes: readonly PolicyType[];
}

/** A workload's pods, as its pod template (or the Pod itself) describes them. */
export interface WorkloadSummary extends Summary {
  readonly namespace: string;
  /** `Deployment`, `Pod`, `CronJob`, ... */
  readonly kind: string;
  /** From the object root to the pod: [] for a Pod, ['spec','template'] for a Deployment. */
  readonly podPath: readonly PathSegment[];
  /** The pods' labels (the template's), which NetworkPolicies select. */
  readonly podLabels: ReadonlyLabels;
  /** `spec.serviceAccountName`, else the deprecated `serviceAccount`, else `default`. */
  readonly serviceAccountName: string;
  /** `spec.automountServiceAccountToken` when it is a boolean. */
  readonly automountServiceAccountToken: boolean | undefined;
  /** A projected `serviceAccountToken` volume mounts a token whatever automounting says. */
  readonly projectedToken: boolean;
  /** NetworkPolicies do not apply to pods on the host's network. */
  readonly hostNetwork: boolean;
}

export interface ServiceAccountSummary extends Summary {
  readonly namespace: string;
  readonly automountServiceAccountToken: boolean | undefined;
}

export interface RoleSummary extends Summary {
  readonly kind: 'Role' | 'ClusterRole';
  /** '' for a ClusterRole. */
  readonly namespace: string;
  readonly rules: readonly RuleView[];
  /** Set for aggregated ClusterRoles: the selectors of `aggregationRule.clusterRoleSelectors`. */
  readonly aggregationSelectors: readonly LabelSelector[] | undefined;
}

export interface BindingSummary extends Summary {
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  /** '' for a ClusterRoleBinding. */
  readonly namespace: string;
  readonly roleRef: RoleRefView;
  readonly subjects: readonly SubjectView[];
}

/** An RBAC subject: a user, a group or a service account (namespace set for service accounts only). */
export interface SubjectRef {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

/** A rule a role grants, with the role that holds it; for aggregated ClusterRoles the roles it came through. */
export interface RuleSource {
  rule: RuleView;
  /** The role whose `rules` hold the rule. */
  source: RoleSummary;
  /** Aggregated ClusterRoles between the bound role and `source`, outermost first (empty: the bound role's own rule). */
  via: readonly RoleSummary[];
}

/** One way a subject holds a permission: the binding, the role, where the rule is, and where it applies. */
export interface EffectiveGrant {
  grant: Grant;
  /** The subject as the binding names it: the subject asked about, or a group it is in. */
  subject: SubjectRef;
  /** True when the binding names a group the subject is in rather than the subject itself. */
  viaGroup: boolean;
  binding: BindingSummary;
  role: RoleSummary;
  source: RuleSource;
  /** `cluster` for a ClusterRoleBinding, else the RoleBinding's namespace. */
  scope: 'cluster' | { namespace: string };
}

export interface GrantQuery {
  /** Also the groups every such identity is in (`system:serviceaccounts[:ns]`, `system:authenticated`). Default false. */
  viaGroups?: boolean;
  /** Bindings to leave out (the control plane's own, say). */
  skipBinding?: (binding: BindingSummary) => boolean;
}

/** The read-only view. Every list is frozen; every query is pure and total. */
export interface ClusterView {
  /**
   * True when the adapter saw every object of this kind (`NetworkPolicy.networking.k8s.io`, `Role.rbac.authorization.k8s.io`):
   * a check about something missing ("no NetworkPolicy", "no such role") must ask first. A live scan
   * that could not list a kind, or listed it under a label selector, leaves it incomplete.
   */
  complete(kind: string): boolean;

  namespaces(): readonly NamespaceSummary[];
  namespace(name: string): NamespaceSummary | undefined;
  /** ReadonlyLabels of a namespace, with the automatic `kubernetes.io/metadata.name`, also for namespaces the view only saw used. */
  namespaceLabels(name: string): ReadonlyLabels;
  /** Every namespace that has an object or a workload in the view, sorted. */
  namespaceNames(): readonly string[];
  /** The identity of a namespace, also when the view holds no Namespace object for it. */
  namespaceId(name: string): ObjectId;

  /** Workloads not controlled by another workload in the view (a Deployment, not its ReplicaSets and Pods). */
  workloads(): readonly WorkloadSummary[];
  workloadsIn(namespace: string): readonly WorkloadSummary[];

  networkPolicies(): readonly NetworkPolicySummary[];
  networkPoliciesIn(namespace: string): readonly NetworkPolicySummary[];
  /** The NetworkPolicies of the workload's namespace that select its pods for `type`. */
  policiesSelecting(workload: WorkloadSummary, type: PolicyType): readonly NetworkPolicySummary[];

  serviceAccounts(): readonly ServiceAccountSummary[];
  serviceAccount(namespace: string, name: string): ServiceAccountSummary | undefined;
  /** Does the workload's pod get a service account token (pod field, else the ServiceAccount's, else yes)? */
  mountsToken(workload: WorkloadSummary): boolean;

  roles(): readonly RoleSummary[];
  bindings(): readonly BindingSummary[];
  /** The role a binding refers to, when the view holds it. */
  roleOf(binding: BindingSummary): RoleSummary | undefined;
  /** The role's rules, aggregated ones included (their sources first), each with where it came from. */
  ruleSources(role: RoleSummary): readonly RuleSource[];
  /** The aggregated ClusterRoles whose selectors pick this ClusterRole. */
  aggregatedInto(role: RoleSummary): readonly RoleSummary[];
  /** Bindings that refer to this role. */
  bindingsOf(role: RoleSummary): readonly BindingSummary[];

  /** Every subject some binding names, in the order first seen. */
  subjects(): readonly SubjectRef[];
  /** Bindings that name the subject (and with `viaGroups` its implicit groups), each with the subject entry that matched. */
  bindingsFor(subject: SubjectRef, query?: GrantQuery): readonly { binding: BindingSummary; subject: SubjectRef }[];
  /** Every way the subject's bindings grant one of the permissions. */
  grantsFor(subject: SubjectRef, permissions: readonly Permission[], query?: GrantQuery): EffectiveGrant[];

  /** The identity findings use for a subject: the ServiceAccount object, or `User`/`Group` in the RBAC group. */
  subjectId(subject: SubjectRef): ObjectId;
  /** The labels the view knows for an object (empty when it holds no summary of it). */
  labelsOf(id: ObjectId): ReadonlyLabels;
  /**
   * What the object's own `kube-posture.io/ignore` and `-ignore-reason` annotations ask (../annotations.ts),
   * for `evaluateContext` to decide as `evaluate` does; undefined when they ask nothing. Only the policy
   * ids and the cleaned reason are kept, never the annotations; a fresh copy on every call.
   */
  ignoreOf(id: ObjectId): IgnoreRequest | undefined;
  /** Cluster facts of an object the view holds (uid and resourceVersion, for reports of a live scan). */
  metaOf(id: ObjectId): { uid?: string; resourceVersion?: string } | undefined;
  /**
   * For an identity that is no object in the view (a namespace only used, a User, a Group, a service
   * account only bound): the first object that mentioned it, so a manifest report can point at a file.
   */
  originOf(id: ObjectId): ObjectId | undefined;
}
