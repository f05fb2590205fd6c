import type { Container, ObjectMeta, PodLike, PodSpec } from '../k8s.js';
import { lookupKind, type GroupKind } from '../kinds.js';
import { asArray, getIn, isRecord, jsonEqual } from '../safe.js';
import type { PathSegment } from '../path.js';

/**
 * The pod inside any pod-bearing object: a Pod itself or the template of a workload.
 * Pod rules are written once against this and report paths relative to `root`, which the
 * engine prefixes so users see paths into the real object.
 */
export interface PodSubject {
  /** Path from the object root to the pod: [] for a Pod, ['spec','template'] for a Deployment. */
  root: readonly PathSegment[];
  metadata: ObjectMeta;
  spec: PodSpec;
}

export function podSubjectOf(object: unknown, gk: GroupKind): PodSubject | undefined {
  const known = lookupKind(gk);
  if (known?.podPath === undefined) return undefined;
  const pod = known.podPath.length === 0 ? object : getIn(object, known.podPath);
  if (!isRecord(pod)) return undefined;
  const metadata = isRecord(pod.metadata) ? (pod.metadata as ObjectMeta) : {};
  const spec = isRecord(pod.spec) ? (pod.spec as PodSpec) : {};
  return { root: known.podPath, metadata, spec };
}

export type ContainerType = 'containers' | 'initContainers' | 'ephemeralContainers';
export const CONTAINER_TYPES: readonly ContainerType[] = ['initContainers', 'containers', 'ephemeralContainers'];

export interface VisitedContainer {
  container: Container;
  type: ContainerType;
  index: number;
  /** Path relative to the pod root, e.g. ['spec','initContainers',0]. */
  path: PathSegment[];
  /** Name for messages; falls back to the position when the name is missing. */
  label: string;
}

/**
 * Every container of a pod, init and ephemeral ones included, in the order Pod Security Admission
 * reports them. Entries that are not objects are skipped rather than trusted.
 */
export function containersOf(spec: PodSpec): readonly VisitedContainer[] {
  // Every pod rule visits the same containers of the same spec within one evaluation: build the list
  // once per spec object. Callers must not mutate it (it is frozen).
  if (typeof spec !== 'object' || spec === null) return NO_CONTAINERS;
  if (spec === pinned?.spec) return pinned.out;
  if (last?.spec === spec && stillValid(spec, last)) return last.out;
  const out = collectContainers(spec);
  last = { spec, lists: CONTAINER_TYPES.map((t) => (spec as Record<string, unknown>)[t]), out };
  return out;
}

const NO_CONTAINERS: readonly VisitedContainer[] = Object.freeze([]);

interface VisitCacheEntry { spec: object; lists: unknown[]; out: readonly VisitedContainer[] }
// A one-entry cache, not a WeakMap: pod rules run one after another on one spec, so the last spec is
// the only one worth remembering. A WeakMap keyed by each request's fresh spec made V8 promote every
// request's containers to the old generation (ephemeron entries survive scavenges), which cost a
// mark-compact every 1-2 s under load and multi-millisecond pauses in the webhook's tail latency.
let last: VisitCacheEntry | undefined;

// The engine's shared walk: for the length of one evaluation, the request's pod spec and its container
// list, built once; every pod rule's `containersOf(pod.spec)` answers from it without re-checking the
// lists (checks read the object, they do not change it).
let pinned: { spec: object; out: readonly VisitedContainer[] } | undefined;

/** Walks the spec's containers once and serves them to every `containersOf(spec)` until `unpinContainers`. */
export function pinContainers(spec: PodSpec): boolean {
  if (typeof spec !== 'object' || spec === null) return false;
  pinned = undefined;
  pinned = { spec, out: containersOf(spec) };
  return true;
}

export function unpinContainers(): void {
  pinned = undefined;
}

/** The cache holds only while the container lists are the same arrays holding the same objects. */
function stillValid(spec: PodSpec, entry: VisitCacheEntry): boolean {
  let n = 0;
  for (let i = 0; i < CONTAINER_TYPES.length; i++) {
    const list = (spec as Record<string, unknown>)[CONTAINER_TYPES[i]!];
    if (list !== entry.lists[i]) return false;
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isRecord(c)) continue;
      if (entry.out[n]?.container !== c) return false;
      n++;
    }
  }
  return n === entry.out.length;
}

function collectContainers(spec: PodSpec): readonly VisitedContainer[] {
  const out: VisitedContainer[] = [];
  for (const type of CONTAINER_TYPES) {
    const list = asArray((spec as Record<string, unknown>)[type]);
    for (let index = 0; index < list.length; index++) {
      const container = list[index];
      if (!isRecord(container)) continue;
      const name = typeof container.name === 'string' && container.name !== '' ? container.name : `${type}[${index}]`;
      out.push(Object.freeze({ container: container as Container, type, index, path: Object.freeze(['spec', type, index]) as PathSegment[], label: name }));
    }
  }
  return Object.freeze(out);
}

/**
 * True when an UPDATE changed nothing that pod rules must judge again, so that existing workloads can
 * still be relabelled, scaled or have their status written even if they predate a stricter policy.
 *
 * - A Pod (`isPod`): as Pod Security Admission's isSignificantPodUpdate. The API server allows only a
 *   few changes to a pod's spec (images, activeDeadlineSeconds, added tolerations, removed
 *   schedulingGates, terminationGracePeriodSeconds) and validates that before validating webhooks are
 *   called; only a changed image, a changed number of containers or init containers, an added or
 *   changed ephemeral container, or changed security annotations make the pod judged again. So a
 *   queueing controller can remove the scheduling gate of a pod admitted under a looser policy.
 * - A workload template: any change of the template's spec or security annotations.
 */
export function podUnchanged(current: PodSubject, old: PodSubject | undefined, isPod = false): boolean {
  if (old === undefined) return false;
  if (!jsonEqual(securityAnnotations(current.metadata), securityAnnotations(old.metadata))) return false;
  if (!isPod) return jsonEqual(current.spec, old.spec);
  const spec = current.spec as Record<string, unknown>;
  const oldSpec = old.spec as Record<string, unknown>;
  if (!sameImages(spec.containers, oldSpec.containers) || !sameImages(spec.initContainers, oldSpec.initContainers)) return false;
  const oldEphemeral = asArray(oldSpec.ephemeralContainers);
  for (const c of asArray(spec.ephemeralContainers)) {
    const name = getIn(c, ['name']);
    const before = oldEphemeral.find((o) => getIn(o, ['name']) === name);
    if (before === undefined || !jsonEqual(getIn(c, ['image']), getIn(before, ['image']))) return false;
  }
  return true;
}

/** Same number of containers, and pairwise the same image. */
function sameImages(list: unknown, oldList: unknown): boolean {
  const a = asArray(list);
  const b = asArray(oldList);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!jsonEqual(getIn(a[i], ['image']), getIn(b[i], ['image']))) return false;
  return true;
}

/** Annotations that carried security settings before they became fields (seccomp, AppArmor). */
const SECURITY_ANNOTATION_PREFIXES = ['seccomp.security.alpha.kubernetes.io/', 'container.seccomp.security.alpha.kubernetes.io/', 'container.apparmor.security.beta.kubernetes.io/'];

function securityAnnotations(meta: ObjectMeta): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const annotations = isRecord(meta.annotations) ? meta.annotations : {};
  for (const [key, value] of Object.entries(annotations)) {
    if (SECURITY_ANNOTATION_PREFIXES.some((p) => key.startsWith(p))) out[key] = value;
  }
  return out;
}
