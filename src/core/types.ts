import type { KubeObject } from './k8s.js';
import type { PathSegment } from './path.js';
import type { PodSubject } from './subjects/pod.js';
import type { GroupKind } from './kinds.js';
import type { ClusterView, ObjectId } from './view/types.js';
import type { VulnerabilityLookup } from './vulnerabilities.js';
import type { ServiceAccountLookup } from './service-accounts.js';

export type Action = 'deny' | 'warn' | 'audit';
export const ACTIONS: readonly Action[] = ['deny', 'warn', 'audit'];
/** Strength order: a deny outranks a warn, which outranks an audit. */
export const ACTION_RANK: Readonly<Record<Action, number>> = { deny: 3, warn: 2, audit: 1 };

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
export const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** Global or per-namespace mode. `audit` is the dry-run mode: nothing is denied. */
export type Mode = 'enforce' | 'warn' | 'audit';

/** A Pod Security Standards version: `v1.<minor>`. `latest` resolves to LATEST_PSS_VERSION. */
export interface PssVersion { major: 1; minor: number }
export type PssLevel = 'privileged' | 'baseline' | 'restricted';

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** Everything a policy may know about one request. Built by the adapters, read by the engine. */
export interface EvaluationInput {
  object: unknown;
  oldObject?: unknown;
  operation: Operation;
  /** Group and kind of `object`; derived from apiVersion/kind when the adapter does not know better. */
  kind: GroupKind & { version?: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  /** Labels of the request's namespace when known (from an informer cache or the manifest set). */
  namespaceLabels?: Record<string, string>;
  userInfo?: UserInfo;
  dryRun?: boolean;
  /**
   * Image scan results the adapter was given (`scan --vulnerabilities`, Trivy Operator reports).
   * Absent means none were given: policies that need them are skipped, never passed.
   */
  vulnerabilities?: VulnerabilityLookup;
  /**
   * ServiceAccounts known beside the object (`scan`: those in the same input). Absent, or an account
   * not in it, means nothing is known of the account: policies judge the object alone.
   */
  serviceAccounts?: ServiceAccountLookup;
}

/** What a check returns for each problem it finds. */
export interface Violation {
  /**
   * Where the problem is. Pod rules give paths relative to the pod root (`['spec','containers',0,...]`);
   * object rules give paths from the object root.
   */
  path: PathSegment[];
  /** Short, human message that says what is wrong and what is allowed, e.g. `container "app": securityContext.privileged must be false`. */
  message: string;
  /** The offending value, when there is one. Never a whole object: reports must not leak contents. */
  value?: unknown;
  /**
   * How to fix this violation, when the check knows more than the policy's `remediation` says (the
   * package upgrades that fix an image's vulnerabilities, say). The finding carries it in place of the
   * policy's; absent or empty, the policy's.
   */
  remediation?: string;
}

export interface CheckContext<P = Record<string, unknown>> {
  /** The policy's parameters: configured values over the schema's defaults. */
  params: P;
  /** The Pod Security Standards version the policy is evaluated at. */
  version: PssVersion;
  input: Readonly<EvaluationInput>;
}

export interface PssInfo {
  level: Exclude<PssLevel, 'privileged'>;
  /** Upstream check id, e.g. `privileged`, `seccompProfile_restricted`. */
  checkId: string;
  /**
   * Upstream checks this one replaces when both are active at a version (e.g. restricted seccomp
   * replaces the baseline seccomp check from v1.19). Before `since` the replaced check still applies.
   */
  supersedes?: { policy: string; since: string }[];
}

export interface PolicyMetadata {
  /** kebab-case, unique across the library and user directories. */
  id: string;
  title: string;
  /** Which fields the policy restricts and which values are allowed. */
  description: string;
  severity: Severity;
  /** `pod-security`, `rbac`, `network`, `workload`, ... */
  category: string;
  /** Compliance controls: `pss:<level>/<check>`, `cis-k8s:5.x.y`, `nsa:<section>`, `mitre:T....`. */
  controls: string[];
  /** How to fix a violation, in one or two sentences. */
  remediation: string;
  defaultAction: Action;
  /** Action in the built-in `recommended` profile; absent means not part of it. */
  recommended?: Action;
  /** JSON Schema (type object) of the parameters, with a default for each optional property. */
  parameters?: Record<string, unknown>;
  /** Set for Pod Security Standards checks; these form the `pss-*` profiles. */
  pss?: PssInfo;
  /** What happens when the check throws or times out: `closed` denies, `open` allows with a warning. */
  onError?: 'closed' | 'open';
  /**
   * Data beyond the object that the check reads. `vulnerabilities`: image scan results; without them
   * the policy is not run and its outcome is `skip` ("not examined"), never `pass`.
   */
  requires?: 'vulnerabilities'[];
  /**
   * Called once per configuration with the resolved parameters, before any request: compile what can be
   * compiled, and throw to reject parameters the schema cannot express as invalid.
   */
  prepare?(params: Record<string, unknown>): void;
}

interface MatchOptions {
  /** Operations the policy inspects. Default: CREATE and UPDATE. */
  operations?: Operation[];
  /** Sub-resources the policy inspects in addition to the main resource. */
  subResources?: string[];
}

/**
 * One edit of a policy's fix, on a path from the same root as the violation's path (the pod root for pod
 * policies, the object root for object policies). `kube-posture fix` applies it to the YAML document's
 * nodes, so that comments, key order and untouched lines stay as they were.
 *
 * - `set`: the value at `path`, creating missing mappings on the way.
 * - `merge`: each key of `value` (a mapping) that the mapping at `path` lacks; present keys are kept.
 * - `add`: `value` appended to the list at `path` (created when missing), unless the list holds it already.
 * - `remove`: the entry at `path`, when there is one.
 */
export type FixOperation =
  | { op: 'set'; path: PathSegment[]; value: unknown }
  | { op: 'merge'; path: PathSegment[]; value: Record<string, unknown> }
  | { op: 'add'; path: PathSegment[]; value: unknown }
  | { op: 'remove'; path: PathSegment[] };

/** A rule about pods, applied to Pods and to the pod template of every workload kind. */
export interface PodPolicy<P = Record<string, unknown>> extends PolicyMetadata {
  target: 'pod';
  match?: MatchOptions;
  check(pod: PodSubject, ctx: CheckContext<P>): Violation[];
  /**
   * A safe, mechanical remediation of one of this policy's violations, pure like `check`: the edits that
   * make it go away without new findings, or [] when it cannot be fixed mechanically (a person decides).
   */
  fix?(pod: PodSubject, violation: Violation, ctx: CheckContext<P>): FixOperation[];
}

/** A rule about objects of given kinds (RBAC, NetworkPolicy, Service, ...). */
export interface ObjectPolicy<P = Record<string, unknown>> extends PolicyMetadata {
  target: 'object';
  /** Kinds as `Kind` (core group) or `Kind.group`, e.g. `ClusterRole.rbac.authorization.k8s.io`. */
  match: MatchOptions & { kinds: string[] };
  check(object: KubeObject, ctx: CheckContext<P>): Violation[];
  /** As PodPolicy's `fix`, with paths from the object root. */
  fix?(object: KubeObject, violation: Violation, ctx: CheckContext<P>): FixOperation[];
}

/** What a cluster policy returns for each problem: a violation that names the object it is about. */
export interface ClusterViolation extends Violation {
  /** The object the problem is about (a summary's `id`, or `view.subjectId(...)` for an RBAC subject). */
  object: ObjectId;
  /** Path from that object's root; [] when the problem is the object as a whole. */
  path: PathSegment[];
  /**
   * Why, in short lines of identities (`ClusterRoleBinding "ops" -> ClusterRole "x" -> rules[0]: "*" on "*"`),
   * never object contents. At most 10 lines of 300 characters are kept.
   */
  evidence?: string[];
}

export interface ClusterCheckContext<P = Record<string, unknown>> {
  params: P;
  version: PssVersion;
}

/**
 * A rule about the cluster as a whole, judged over a read-only view of it (./view/): namespaces,
 * NetworkPolicy selectors, workloads' pods, RBAC roles and bindings, service accounts. Pure and
 * synchronous like every check. The webhook never runs these (admission sees one object); `scan`
 * and `audit` do.
 */
export interface ClusterPolicy<P = Record<string, unknown>> extends PolicyMetadata {
  target: 'cluster';
  /** The kinds the check reads from the view (`Kind` or `Kind.group`); a live scan lists these. */
  viewKinds: string[];
  check(view: ClusterView, ctx: ClusterCheckContext<P>): ClusterViolation[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Policy = PodPolicy<any> | ObjectPolicy<any> | ClusterPolicy<any>;

/** Where a policy came from; user policies are guarded against endless loops. */
export interface PolicySource {
  origin: 'builtin' | 'user';
  file: string;
  format: 'module' | 'schema';
}

export interface RegisteredPolicy {
  policy: Policy;
  source: PolicySource;
  /** Parsed kinds of an object policy. */
  kinds: GroupKind[];
  /** Parsed view kinds of a cluster policy (empty for the others). */
  viewKinds: GroupKind[];
  operations: readonly Operation[];
  subResources: readonly string[];
}

export type FindingKind = 'violation' | 'error';

export interface Finding {
  kind: FindingKind;
  policyId: string;
  title: string;
  severity: Severity;
  category: string;
  action: Action;
  message: string;
  /** Formatted path into the real object, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  path: string;
  value?: unknown;
  remediation: string;
  controls: string[];
  /** The Pod Security Standards version the finding was made at, for pss policies. */
  pssVersion?: string;
  /** Cluster policies: the chain of identities that makes the finding (bindings, roles, rules). */
  evidence?: string[];
}

export type PolicyOutcome = 'pass' | 'fail' | 'error' | 'timeout' | 'skip';

export interface EvaluationResult {
  findings: Finding[];
  /** One entry per policy run (not per finding), for metrics and reports. */
  outcomes: { policyId: string; outcome: PolicyOutcome; reason?: string }[];
  /** Set when the request was exempt and nothing was evaluated. */
  exemptBy?: string;
}

/** What the request's answer was: the one label metrics, logs and reports use. */
export type DecisionOutcome = 'allowed' | 'denied' | 'would_deny' | 'exempt';

export interface Decision {
  allowed: boolean;
  outcome: DecisionOutcome;
  /** One line listing every deny-level finding, for `status.message`. */
  message?: string;
  warnings: string[];
  auditAnnotations: Record<string, string>;
  mode: Mode;
  /** Why the request was exempt (nothing was evaluated), when it was. */
  exemptBy?: string;
  /** Deny-level findings that denied the request (mode `enforce`). */
  denied: Finding[];
  /** Findings that would have denied under `enforce` but did not because of the mode. */
  wouldDeny: Finding[];
  /** Warn-level violations. */
  warned: Finding[];
  /** Audit-level violations. */
  audited: Finding[];
  /** Policies that failed or timed out, whatever their action. */
  errors: Finding[];
}
