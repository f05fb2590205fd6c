/**
 * The stable identity of a finding: the same (cluster, resource, policy, path) gives the same
 * fingerprint in every replica and across restarts, so deduplication and Alertmanager's grouping agree.
 */
import { createHash } from 'node:crypto';
import type { AlertResource } from './model.js';

/**
 * An object the apiserver has not created yet (a denied CREATE) has no uid: its kind, namespace and
 * name stand in for it, which is also what a retried `kubectl apply` of the same object repeats.
 */
export function resourceKey(resource: AlertResource): string {
  return resource.uid !== '' ? `uid:${resource.uid}` : `ref:${resource.apiVersion}/${resource.kind}/${resource.namespace ?? ''}/${resource.name}`;
}

export function fingerprint(cluster: string, resource: AlertResource, policyId: string, path: string): string {
  // NUL separators: no field can contain one, so distinct tuples never hash the same text.
  return createHash('sha256').update(`${cluster}\0${resourceKey(resource)}\0${policyId}\0${path}`).digest('hex').slice(0, 32);
}
