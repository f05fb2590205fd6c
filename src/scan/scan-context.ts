/**
 * Cluster policies over a manifest set: the manifests given are the whole view (as the issue puts it,
 * the same check runs over `scan` input, where the view is the set of manifests given). Findings about a
 * manifest keep its file and line; findings about something no manifest is (a namespace only used, a
 * User or Group named by a binding) point at the first manifest that mentions it. The view is filled as
 * the manifests are read (summaries only); the objects are not kept.
 */
import { evaluateContext } from '../core/context.js';
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

/** Where object `i` is, and the object itself again for the line of a field. */
export type ManifestAt = (i: number) => { file: string; line: number; object: () => ManifestObject | undefined } | undefined;

export class ContextCollector {
  private readonly builder = new ClusterViewBuilder({ complete: 'all' });
  private readonly keys: string[] = [];
  private readonly firstByKey = new Map<string, number>();
  private readonly namespace: string;

  constructor(private readonly set: PolicySet, private readonly options: EvaluateOptions & { defaultNamespace?: string } = {}) {
    this.namespace = options.defaultNamespace ?? DEFAULT_NAMESPACE;
  }

  /** Object `i` of the input (in order). */
  add(object: Record<string, unknown>, i: number): void {
    this.builder.add(object, { namespace: this.namespace });
    const id = objectIdOf(object, this.namespace);
    const key = id !== undefined ? objectKey(id) : `#${i}`;
    this.keys[i] = key;
    if (!this.firstByKey.has(key)) this.firstByKey.set(key, i);
  }

  /** Runs the enabled cluster policies over the view and places their findings into `results` (one per manifest, in order). */
  place(results: ObjectResult[], at: ManifestAt): void {
    const view = this.builder.build();
    const context = evaluateContext(view, this.set.registry, this.set.engine, this.options.runner ? { runner: this.options.runner } : {});
    const lineIn = (i: number): LineOf | undefined => {
      const where = at(i);
      if (where === undefined) return undefined;
      return (path) => (path === '' ? where.line : where.object()?.lineOf(parsePath(path)) ?? where.line);
    };
    placeContext(results, context, {
      keyOf: (_result, i) => this.keys[i] ?? `#${i}`,
      lineOf: lineIn,
      refFor: (id) => {
        const origin = view.originOf(id);
        const i = (origin !== undefined ? this.firstByKey.get(objectKey(origin)) : undefined) ?? 0;
        const where = at(i);
        const ref: FileRef = { apiVersion: id.apiVersion, kind: id.kind, name: id.name, ...(id.namespace !== undefined ? { namespace: id.namespace } : {}), file: where?.file ?? '', line: where?.line ?? 0 };
        return where !== undefined ? { ref, lineOf: () => where.line } : { ref };
      },
    });
  }
}
