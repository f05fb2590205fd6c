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

/** An index filled as objects come (a scan reads its input as a stream). */
export class ServiceAccountIndex implements ServiceAccountLookup {
  private readonly byKey = new Map<string, KnownServiceAccount>();

  /** Adds `o` when it is a ServiceAccount (core/v1), placed in `namespace` (its own, else the adapter's default). */
  add(o: unknown, namespace: string | undefined): boolean {
    if (!isRecord(o) || o.kind !== 'ServiceAccount' || o.apiVersion !== 'v1') return false;
    const meta = isRecord(o.metadata) ? o.metadata : undefined;
    if (typeof meta?.name !== 'string' || meta.name === '') return false;
    const automount = o.automountServiceAccountToken;
    this.byKey.set(keyOf(namespace, meta.name), typeof automount === 'boolean' ? { automountServiceAccountToken: automount } : {});
    return true;
  }

  get(namespace: string | undefined, name: string): KnownServiceAccount | undefined {
    return this.byKey.get(keyOf(namespace, name));
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  static key = keyOf;
}

/**
 * Indexes the ServiceAccounts among `objects`; `namespaceOf` gives the namespace an object is placed in
 * (its own, else the adapter's default), the same rule the pods are placed by.
 */
export function serviceAccountIndex(objects: Iterable<unknown>, namespaceOf: (object: Record<string, unknown>) => string | undefined): ServiceAccountIndex {
  const index = new ServiceAccountIndex();
  for (const o of objects) if (isRecord(o)) index.add(o, namespaceOf(o));
  return index;
}
