/**
 * What a policy module may import (`kube-posture/policy`), and all it may import from kube-posture:
 * the built-in library under policies/ is held to the same door as user policies
 * (test/architecture/import-boundaries.test.ts), so that every helper a built-in uses is one a user
 * policy can use too. Everything here is a pure function, a constant or a type; the names are listed
 * one by one, so that nothing reaches the public surface by accident.
 */

/** Typing helpers: `export default definePodPolicy({...})` type-checks a policy's metadata and check. */
export { definePodPolicy, defineObjectPolicy, defineClusterPolicy } from './core/define.js';
export type {
  CheckContext, Violation, PodPolicy, ObjectPolicy, PolicyMetadata, Action, Severity, PssVersion, UserInfo, EvaluationInput,
  ClusterPolicy, ClusterViolation, ClusterCheckContext,
} from './core/types.js';
export type { PathSegment } from './core/path.js';

/**
 * Fixes (`kube-posture fix`): a pod or object policy may declare `fix(subject, violation, ctx)` returning
 * FixOperations; `setAtViolation(false)` is the fix of a policy whose remedy is one value at the violation's path.
 */
export { setAtViolation } from './core/fix.js';
export type { FixOperation } from './core/types.js';
export type * from './core/k8s.js';

/** Total accessors: read fields of untrusted objects without throwing on a wrong type. */
export { asArray, asRecord, asString, asStringArray, getIn, isRecord } from './core/safe.js';

/** Pod Security Standards versions: `versionAtLeast(ctx.version, 'v1.25')` for rules that changed. */
export { versionAtLeast } from './core/version.js';

/** Pod subjects: every container of a pod spec (init, regular, ephemeral) with its path and label. */
export { containersOf, CONTAINER_TYPES } from './core/subjects/pod.js';
export type { PodSubject, VisitedContainer, ContainerType } from './core/subjects/pod.js';

/**
 * Label selectors, read and matched as Kubernetes does: `sanitizeSelector` turns a selector found in
 * an object into one that is safe to match (malformed requirements match nothing), `matchesSelector`
 * matches labels, `isEmptySelector` tells a selector that selects everything from an absent one.
 */
export { matchesSelector, isEmptySelector, sanitizeSelector } from './core/selectors.js';
export type { LabelSelector } from './core/selectors.js';

/**
 * RBAC subjects: the rules of Roles and ClusterRoles, the subjects and roleRef of bindings, and
 * aggregation selectors, matched the way the Kubernetes RBAC authorizer matches them
 * (`findGrants(rulesOf(role), [{ group: '', resources: ['secrets'], verbs: ['get'] }])`).
 * Paths point at the entry in the object, ready for a Violation.
 */
export {
  rulesOf, verbMatches, apiGroupMatches, resourceMatches, grantsOf, findGrants, hasAggregationRule,
  subjectsOf, roleRefOf, serviceAccountOf, aggregationSelectorsOf,
} from './core/subjects/rbac.js';
export type { Indexed, RuleView, Permission, Grant, SubjectView, RoleRefView } from './core/subjects/rbac.js';

/**
 * NetworkPolicy subjects: ingress and egress rules with their peers and ports, the effective policy
 * types, and IP addresses and CIDRs parsed as Kubernetes parses them (families never mix).
 */
export {
  networkRulesOf, rulePortsInclude, rulePortsWithin, openPeersOf, isEmptyPeer, selectsAllPods, effectivePolicyTypes,
  parseAddress, parseCidr, cidrContains, coversAllAddresses, ipBlockOf, ipBlockAdmits,
} from './core/subjects/network.js';
export type { Direction, PeerView, PortView, NetworkRuleView, OpenPeer, Cidr, IpBlockView } from './core/subjects/network.js';

/**
 * The cluster view, for cluster policies (`defineClusterPolicy({ viewKinds, check(view, ctx) })`): small
 * summaries of namespaces, NetworkPolicies, workloads, service accounts, roles and bindings, with queries
 * (`view.policiesSelecting(workload, 'Ingress')`, `view.grantsFor(subject, permissions)`, ...).
 * `WORKLOAD_KINDS`, `RBAC_KINDS` and `VIEW_KINDS` are ready-made lists for `viewKinds`; `describeGrantChain`
 * turns an effective grant into a line of evidence, `describeSubject` and `describeObject` name things in messages.
 */
export { VIEW_KINDS, WORKLOAD_KINDS, RBAC_KINDS, describeGrantChain, describeSubject, describeObject, formatObjectId, implicitGroups } from './core/view/index.js';
export type {
  ClusterView, ObjectId, ReadonlyLabels, NamespaceSummary, NetworkPolicySummary, WorkloadSummary, ServiceAccountSummary, RoleSummary, BindingSummary,
  SubjectRef, RuleSource, EffectiveGrant, GrantQuery, PolicyType,
} from './core/view/index.js';

/**
 * Image vulnerability results (for policies with `requires: ['vulnerabilities']`): `ctx.input.vulnerabilities.find(image, imageID, workload)`
 * gives the scan summary of a container's image (counts by severity, the critical and high vulnerabilities with their fixes),
 * preferring the report made for this workload's container (`scanWorkloadOf(ctx.input.object, containerName, ctx.input.namespace)`).
 */
export { VULNERABILITY_RANK, VULNERABILITY_SEVERITIES, worstFirst, digestOf, scanWorkloadOf } from './core/vulnerabilities.js';
export type { VulnerabilitySeverity, ImageVulnerability, ImageScanSummary, VulnerabilityLookup, ScanWorkload, ScanSubject } from './core/vulnerabilities.js';
/** ServiceAccounts known beside the object (`ctx.input.serviceAccounts?.get(namespace, name)`; in `scan`, those in the same input). */
export type { ServiceAccountLookup, KnownServiceAccount } from './core/service-accounts.js';
