/** Object identities of the cluster view: keys, display forms, RBAC subjects as identities. */
import { groupOf, lookupKind } from '../kinds.js';
import { asRecord, asString } from '../safe.js';
import type { ObjectId, SubjectRef } from './types.js';

const RBAC_V1 = 'rbac.authorization.k8s.io/v1';

/**
 * The key of an identity: group, kind, namespace and name. The version is left out because one object
 * is served at several versions, and the same object must meet itself in a manifest, a listing and a finding.
 */
export function objectKey(id: ObjectId): string {
  // join() makes one flat string; a template literal makes a rope of its pieces, which a map holding
  // a key per object (100,000 in a large cluster) would keep as five strings each.
  return [groupOf(id.apiVersion), id.kind, id.namespace ?? '', id.name].join('/');
}

/** `Kind/name` for cluster-scoped identities, `Kind/namespace/name` for namespaced ones (fixtures use this form). */
export function formatObjectId(id: ObjectId): string {
  return id.namespace !== undefined && id.namespace !== '' ? `${id.kind}/${id.namespace}/${id.name}` : `${id.kind}/${id.name}`;
}

/**
 * The identity of an object as the view records it. A namespaced kind that names no namespace (a
 * manifest meant for `kubectl apply -n`) is placed in `defaultNamespace`; unknown kinds keep what they say.
 */
export function objectIdOf(object: unknown, defaultNamespace?: string): ObjectId | undefined {
  const o = asRecord(object);
  const meta = asRecord(o?.metadata);
  const apiVersion = asString(o?.apiVersion);
  const kind = asString(o?.kind);
  const name = asString(meta?.name) ?? (typeof meta?.generateName === 'string' ? `${meta.generateName}*` : undefined);
  if (apiVersion === undefined || kind === undefined || name === undefined || kind === '') return undefined;
  const known = lookupKind({ group: groupOf(apiVersion), kind });
  const own = asString(meta?.namespace);
  const namespace = known !== undefined && !known.namespaced ? undefined : own !== undefined && own !== '' ? own : known !== undefined ? defaultNamespace : undefined;
  return { apiVersion, kind, ...(namespace !== undefined ? { namespace } : {}), name };
}

export function subjectId(subject: SubjectRef): ObjectId {
  if (subject.kind === 'ServiceAccount') return { apiVersion: 'v1', kind: 'ServiceAccount', namespace: subject.namespace ?? '', name: subject.name };
  return { apiVersion: RBAC_V1, kind: subject.kind, name: subject.name };
}

/** `ServiceAccount "ci/deployer"`, `Group "system:authenticated"`, for messages and evidence. */
export function describeSubject(subject: SubjectRef): string {
  return subject.kind === 'ServiceAccount' ? `ServiceAccount ${JSON.stringify(`${subject.namespace ?? ''}/${subject.name}`)}` : `${subject.kind} ${JSON.stringify(subject.name)}`;
}

/** `ClusterRoleBinding "ops"`, `RoleBinding "shop/read"`, `Namespace "shop"`. */
export function describeObject(id: ObjectId): string {
  return `${id.kind} ${JSON.stringify(id.namespace !== undefined && id.namespace !== '' ? `${id.namespace}/${id.name}` : id.name)}`;
}

export function subjectKey(subject: SubjectRef): string {
  return subject.kind === 'ServiceAccount' ? ['ServiceAccount:', subject.namespace ?? '', '/', subject.name].join('') : [subject.kind, ':', subject.name].join('');
}
