/**
 * What a policy module may import (`kube-posture/policy`): the typing helpers, the pod subject
 * helpers and the total accessors. Everything here is pure.
 */
export { definePodPolicy, defineObjectPolicy } from './core/define.js';
export { containersOf, CONTAINER_TYPES } from './core/subjects/pod.js';
export type { PodSubject, VisitedContainer, ContainerType } from './core/subjects/pod.js';
export { asArray, asRecord, asString, asStringArray, getIn, isRecord } from './core/safe.js';
export { versionAtLeast } from './core/version.js';
export type * from './core/k8s.js';
export type { CheckContext, Violation, PodPolicy, ObjectPolicy, PolicyMetadata, Action, Severity, PssVersion } from './core/types.js';
