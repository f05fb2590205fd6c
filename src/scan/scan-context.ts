/**
 * Cluster policies over a manifest set: the manifests given are the whole view (as the issue puts it,
 * the same check runs over `scan` input, where the view is the set of manifests given). Findings about a
 * manifest keep its file and line; findings about something no manifest is (a namespace only used, a
 * User or Group named by a binding) point at the first manifest that mentions it.
 */
import { evaluateContext, viewKinds } from '../core/context.js';
import type { EvaluateOptions } from '../core/engine.js';
import { parsePath } from '../core/path.js';
import { ClusterViewBuilder } from '../core/view/builder.js';
import { objectIdOf, objectKey } from '../core/view/ids.js';
import type { PolicySet } from '../policy-set/policy-set.js';
import { placeContext, type LineOf } from '../results/context.js';
import type { FileRef, ObjectResult } from '../results/model.js';
import type { ManifestObject } from './manifests.js';

/** Where a namespaced manifest that names no namespace is placed in the view: where `kubectl apply` would put it. */
const DEFAULT_NAMESPACE = 'default';

/** Adds the findings of the enabled cluster policies to `results` (one per manifest, in order). */
export function addContextFindings(objects: readonly ManifestObject[], results: ObjectResult[], set: PolicySet, options: EvaluateOptions & { defaultNamespace?: string } = {}): void {
  if (viewKinds(set.registry, set.engine).length === 0) return;
  const namespace = options.defaultNamespace ?? DEFAULT_NAMESPACE;
  const builder = new ClusterViewBuilder({ complete: 'all' });
  const keys: string[] = [];
  const firstByKey = new Map<string, number>();
  objects.forEach((m, i) => {
    builder.add(m.object, { namespace });
    const id = objectIdOf(m.object, namespace);
    const key = id !== undefined ? objectKey(id) : `#${i}`;
    keys.push(key);
    if (!firstByKey.has(key)) firstByKey.set(key, i);
  });
  const view = builder.build();
  const context = evaluateContext(view, set.registry, set.engine, options.runner ? { runner: options.runner } : {});
  const lineIn = (m: ManifestObject): LineOf => (path) => (path === '' ? m.line : m.lineOf(parsePath(path)));
  placeContext(results, context, {
    keyOf: (_result, i) => keys[i] ?? `#${i}`,
    lineOf: (i) => (objects[i] !== undefined ? lineIn(objects[i]) : undefined),
    refFor: (id) => {
      const origin = view.originOf(id);
      const at = origin !== undefined ? firstByKey.get(objectKey(origin)) : undefined;
      const m = objects[at ?? 0];
      const ref: FileRef = { apiVersion: id.apiVersion, kind: id.kind, name: id.name, ...(id.namespace !== undefined ? { namespace: id.namespace } : {}), file: m?.file ?? '', line: m?.line ?? 0 };
      return m !== undefined ? { ref, lineOf: () => m.line } : { ref };
    },
  });
}
