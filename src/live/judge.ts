/**
 * Judging one object read from the cluster, as the webhook would judge its creation: the same
 * evaluation, with its namespace's labels from the cluster. Shared by `audit` (one pass) and the
 * controller (kept current), so the two cannot disagree on an object.
 */
import { createHash } from 'node:crypto';
import { decide } from '../core/decide.js';
import { evaluate, type EvaluateOptions } from '../core/engine.js';
import { inputFromObject } from '../core/input.js';
import type { KnownKind } from '../core/kinds.js';
import type { VulnerabilityLookup } from '../core/vulnerabilities.js';
import type { Registry } from '../core/registry.js';
import type { EngineConfig } from '../core/engine-config.js';
import { objectResult } from '../results/build.js';
import type { ClusterRef, ObjectResult } from '../results/model.js';

/** The object's reference in results (kind from the listing, so list items without one still name it). */
export function clusterRefOf(object: Record<string, unknown>, kind: KnownKind, cluster: string): ClusterRef {
  const meta = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown; uid?: unknown; resourceVersion?: unknown };
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
  const apiVersion = String(object.apiVersion);
  const name = typeof meta.name === 'string' ? meta.name : '';
  const uid = typeof meta.uid === 'string' ? meta.uid : '';
  const resourceVersion = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
  // Two literals rather than a spread: a live scan keeps a reference per object, and V8 gives each
  // object made by a spread its own hidden class.
  return namespace !== undefined
    ? { apiVersion, kind: kind.kind, name, namespace, uid, resourceVersion, cluster }
    : { apiVersion, kind: kind.kind, name, uid, resourceVersion, cluster };
}

/**
 * The labels an object's namespace is judged with: the cluster's (or only the automatic name label
 * when they could not be read), with a what-if patch laid over them.
 */
export function labelsFor(namespace: string | undefined, real: ReadonlyMap<string, Record<string, string>>, patch?: Record<string, string>): Record<string, string> | undefined {
  if (namespace === undefined) return undefined;
  const base = real.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace };
  return patch !== undefined ? { ...base, ...patch } : base;
}

export function judgeObject(object: Record<string, unknown>, ref: ClusterRef, namespaceLabels: Record<string, string> | undefined, registry: Registry, config: EngineConfig, options: EvaluateOptions = {}, vulnerabilities?: VulnerabilityLookup): ObjectResult {
  const input = inputFromObject(object, { ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}), ...(namespaceLabels ? { namespaceLabels } : {}), ...(vulnerabilities ? { vulnerabilities } : {}) });
  const result = evaluate(input, registry, config, options);
  return objectResult(ref, result, decide(result));
}

/**
 * What server-maintained fields leave out: they change without the object's meaning changing (a
 * Pod's status on every probe, managedFields on every apply), and must not trigger a re-evaluation.
 */
const VOLATILE_METADATA = new Set(['resourceVersion', 'managedFields', 'generation', 'creationTimestamp', 'selfLink']);

/**
 * A digest of what evaluation reads: the object without `status` and the volatile metadata above.
 * Key order is the API server's serialization order, which is stable for one object.
 */
export function contentHash(object: Record<string, unknown>): string {
  return contentDigestBytes(object).toString('base64url');
}

/**
 * The same digest as two 30-bit integers (60 bits): what the controller keeps per object, held in the
 * object's own fields rather than as a 27-character string (5 MiB over 100,000 objects).
 */
export function contentDigest(object: Record<string, unknown>): readonly [number, number] {
  const d = contentDigestBytes(object);
  return [d.readUInt32BE(0) >>> 2, d.readUInt32BE(4) >>> 2];
}

function contentDigestBytes(object: Record<string, unknown>): Buffer {
  const h = createHash('sha1');
  for (const [key, value] of Object.entries(object)) {
    if (key === 'status') continue;
    if (key === 'metadata' && value !== null && typeof value === 'object') {
      const meta: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (!VOLATILE_METADATA.has(k)) meta[k] = v;
      h.update(`metadata=${JSON.stringify(meta)}\n`);
    } else {
      h.update(`${key}=${JSON.stringify(value)}\n`);
    }
  }
  return h.digest();
}

/** A digest of a namespace's labels, part of every object's evaluation key in it. */
export function labelsHash(labels: Record<string, string> | undefined): string {
  if (labels === undefined) return '';
  return createHash('sha1').update(JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]))).digest('base64url');
}
