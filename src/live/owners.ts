/**
 * Owner roll-up for a live scan: a Pod that a ReplicaSet made from a Deployment is one finding on the
 * Deployment, as the webhook judges the template, unless the Pod differs from its template in a
 * judged field (a mutating webhook added a privileged sidecar, say); then the Pod is reported itself.
 * Pure: the scan feeds it objects top-down (owners before what they own).
 */
import { formatPath } from '../core/path.js';
import { lookupKind, groupOf, type GroupKind } from '../core/kinds.js';
import type { Finding } from '../core/types.js';
import type { ObjectResult } from '../results/model.js';

/** Kinds in an order where every controller comes before what it creates. */
export const OWNER_FIRST_ORDER: readonly string[] = ['CronJob.batch', 'Deployment.apps', 'StatefulSet.apps', 'DaemonSet.apps', 'ReplicationController', 'Job.batch', 'ReplicaSet.apps', 'Pod'];

export interface ControllerRef {
  uid: string;
  kind: GroupKind;
}

/** The managing controller's reference (`controller: true`), if any. */
export function controllerOf(object: Record<string, unknown>): ControllerRef | undefined {
  const refs = (object.metadata as { ownerReferences?: unknown } | undefined)?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  for (const r of refs) {
    if (r === null || typeof r !== 'object') continue;
    const ref = r as { controller?: unknown; uid?: unknown; kind?: unknown; apiVersion?: unknown };
    if (ref.controller === true && typeof ref.uid === 'string' && typeof ref.kind === 'string' && typeof ref.apiVersion === 'string') {
      return { uid: ref.uid, kind: { group: groupOf(ref.apiVersion), kind: ref.kind } };
    }
  }
  return undefined;
}

/**
 * What a result says about the pod it judges, independent of where the pod sits in the object:
 * `policy|action|path-from-the-pod-root` for pod findings, the path as is for the others.
 */
export function podSignature(result: ObjectResult): Set<string> {
  const known = lookupKind({ group: groupOf(result.ref.apiVersion), kind: result.ref.kind });
  const prefix = known?.podPath && known.podPath.length > 0 ? `${formatPath([...known.podPath])}.` : '';
  const sig = new Set<string>();
  sig.add(result.status === 'evaluated' && result.exemptBy === undefined ? EVALUATED : `status|${result.status}|${result.exemptBy ?? ''}`);
  for (const f of result.findings) sig.add(signatureOf(f, prefix));
  return sig;
}

const EVALUATED = 'status|evaluated|';

/**
 * Signature strings, once per finding object and path prefix: results share their findings
 * (ResultSharing), so 70,000 pods' signatures are made of a few hundred strings, not copies of them.
 */
const signatures = new Map<string, WeakMap<Finding, string>>();

function signatureOf(f: Finding, prefix: string): string {
  let byFinding = signatures.get(prefix);
  if (byFinding === undefined) signatures.set(prefix, (byFinding = new WeakMap()));
  let sig = byFinding.get(f);
  if (sig === undefined) {
    const path = prefix !== '' && f.path.startsWith(prefix) ? f.path.slice(prefix.length) : f.path;
    // join(), not a template literal: a flat string rather than a rope of its five pieces.
    sig = [f.policyId, f.action, f.kind, path].join('|');
    byFinding.set(f, sig);
  }
  return sig;
}

/** Remembers each evaluated controller's signature; decides whether an owned object rolls up. */
export class OwnerIndex {
  private readonly byUid = new Map<string, Set<string>>();
  private readonly sets = new Map<string, Set<string>>();
  /** Objects judged through their owner, by kind. */
  readonly rolledUp = new Map<string, number>();

  /**
   * Records an object that owned objects may roll up into: only pod-bearing kinds can own pods, and a
   * Pod, though pod-bearing, controls nothing (remembering every pod would hold a set per pod).
   */
  remember(uid: string, result: ObjectResult): void {
    const known = lookupKind({ group: groupOf(result.ref.apiVersion), kind: result.ref.kind });
    if (uid === '' || known?.podPath === undefined || known.podPath.length === 0) return;
    // Controllers made from the same template have equal signatures: one Set for all of them.
    const sig = podSignature(result);
    const key = [...sig].join('\n');
    let shared = this.sets.get(key);
    if (shared === undefined) {
      shared = sig;
      if (this.sets.size < 10_000) this.sets.set(key, sig);
    }
    this.byUid.set(uid, shared);
  }

  /**
   * True when the object's controller was evaluated and every finding of the object is one its owner
   * already has (and it is exempt or not alike): then the owner's result speaks for it.
   */
  rollsUp(object: Record<string, unknown>, result: ObjectResult): boolean {
    const owner = controllerOf(object);
    if (owner === undefined) return false;
    const ownerSig = this.byUid.get(owner.uid);
    if (ownerSig === undefined) return false;
    for (const s of podSignature(result)) if (!ownerSig.has(s)) return false;
    this.rolledUp.set(result.ref.kind, (this.rolledUp.get(result.ref.kind) ?? 0) + 1);
    return true;
  }

  /** Memory is bounded by the number of controllers, not objects; a long-running caller clears it per scan. */
  get size(): number {
    return this.byUid.size;
  }
}
