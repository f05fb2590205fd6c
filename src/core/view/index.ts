/** The cluster view: what cluster policies judge (see ./types.ts). */
export * from './types.js';
export { ClusterViewBuilder, type ViewBuilderOptions } from './builder.js';
export { VIEW_KINDS, WORKLOAD_KINDS, RBAC_KINDS } from './extract.js';
export { objectKey, objectIdOf, formatObjectId, subjectId, describeSubject, describeObject } from './ids.js';
export { describeGrantChain, implicitGroups } from './rights.js';
