/**
 * ServiceAccounts an adapter knows beside the object judged (in `scan`, those in the same input), as
 * policies see them: only what a pod-level check needs (whether the account turns token automounting
 * off), never the whole object. Pure.
 */
import { isRecord } from './safe.js';

/** What is kept of one ServiceAccount. */
export interface KnownServiceAccount {
  /** `automountServiceAccountToken` of the ServiceAccount; absent when it does not say. */
  automountServiceAccountToken?: boolean;
}

/**
 * The ServiceAccounts known beside the object, by namespace and name. A pod whose account is not here
 * is judged as if nothing were known about it (the webhook, which sees one object, gives no lookup).
 */
export interface ServiceAccountLookup {
  get(namespace: string | undefined, name: string): KnownServiceAccount | undefined;
}

const keyOf = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

/**
 * Indexes the ServiceAccounts (core/v1) among `objects`; `namespaceOf` gives the namespace an object is
 * placed in (its own, else the adapter's default), the same rule the pods are placed by.
 */
export function serviceAccountIndex(objects: Iterable<unknown>, namespaceOf: (object: Record<string, unknown>) => string | undefined): ServiceAccountLookup {
  const byKey = new Map<string, KnownServiceAccount>();
  for (const o of objects) {
    if (!isRecord(o) || o.kind !== 'ServiceAccount' || o.apiVersion !== 'v1') continue;
    const meta = isRecord(o.metadata) ? o.metadata : undefined;
    if (typeof meta?.name !== 'string' || meta.name === '') continue;
    const automount = o.automountServiceAccountToken;
    byKey.set(keyOf(namespaceOf(o), meta.name), typeof automount === 'boolean' ? { automountServiceAccountToken: automount } : {});
  }
  return { get: (namespace, name) => byKey.get(keyOf(namespace, name)) };
}
