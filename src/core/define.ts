import type { ClusterPolicy, ObjectPolicy, PodPolicy } from './types.js';

/**
 * Typing helpers for policy modules. They return their argument unchanged; their value is that
 * a policy file gets full type checking of its metadata and check function from one import.
 *
 *   export default definePodPolicy<{ allowed: string[] }>({ id: 'x', target: 'pod', ... })
 */
export function definePodPolicy<P = Record<string, unknown>>(policy: Omit<PodPolicy<P>, 'target'> & { target?: 'pod' }): PodPolicy<P> {
  return { ...policy, target: 'pod' };
}

export function defineObjectPolicy<P = Record<string, unknown>>(policy: Omit<ObjectPolicy<P>, 'target'> & { target?: 'object' }): ObjectPolicy<P> {
  return { ...policy, target: 'object' };
}

/** A policy over the cluster view (`check(view, ctx)`); see ClusterPolicy. */
export function defineClusterPolicy<P = Record<string, unknown>>(policy: Omit<ClusterPolicy<P>, 'target'> & { target?: 'cluster' }): ClusterPolicy<P> {
  return { ...policy, target: 'cluster' };
}
