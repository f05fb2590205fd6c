/**
 * The live scan: lists every kind the enabled policies inspect, page by page, and evaluates each
 * object as the webhook would judge its creation, with its namespace's labels from the cluster.
 * Holds one page of objects at a time; keeps results (no object contents) and the owner index.
 *
 * One forbidden kind (RBAC 403), one unreachable list or one odd object never stops the scan: it
 * becomes a problem in the report and the rest goes on.
 */
import { decide } from '../core/decide.js';
import { evaluate, type EvaluateOptions } from '../core/engine.js';
import { errorMessage, type Problem } from '../core/errors.js';
import { inputFromObject } from '../core/input.js';
import { KNOWN_KINDS, kindKey, lookupKind, type KnownKind } from '../core/kinds.js';
import { inspectedKinds } from '../core/webhook-rules.js';
import type { PolicySet } from '../policy-set/policy-set.js';
import { buildReport, objectResult } from '../results/build.js';
import type { ClusterRef, ObjectResult, Report } from '../results/model.js';
import { ApiError, listObjects, type ApiClient } from '../cluster/api.js';
import { OWNER_FIRST_ORDER, OwnerIndex } from './owners.js';

export interface AuditOptions extends EvaluateOptions {
  /** Only this namespace (cluster-scoped kinds are then not listed). */
  namespace?: string;
  labelSelector?: string;
  /** Name of the cluster for references and reports (kubeconfig context). */
  cluster: string;
  pageSize?: number;
}

/** A policy set to judge the cluster with, and the report it produces. */
export interface AuditRun {
  set: PolicySet;
  /** Labels laid over namespaces' real labels, per namespace: the what-if of a label change. */
  labelPatches?: ReadonlyMap<string, Record<string, string>>;
}

/** Lists kinds top-down (controllers before what they create), then the rest in KNOWN_KINDS order. */
export function listingOrder(kinds: readonly KnownKind[]): KnownKind[] {
  const rank = (k: KnownKind) => {
    const i = OWNER_FIRST_ORDER.indexOf(kindKey(k));
    return i === -1 ? OWNER_FIRST_ORDER.length + KNOWN_KINDS.indexOf(k) : i;
  };
  return [...kinds].sort((a, b) => rank(a) - rank(b));
}

/**
 * Scans the cluster once and judges every object under each run's policy set (the first is the
 * configuration in force; others are what-if settings). Objects are listed once for all runs.
 */
export async function auditCluster(api: ApiClient, runs: readonly AuditRun[], options: AuditOptions): Promise<Report[]> {
  const problems: Problem[] = [];
  const namespaceLabels = await readNamespaceLabels(api, options, problems);
  const wanted = new Map<string, KnownKind>();
  for (const run of runs) for (const w of inspectedKinds(run.set.registry, run.set.engine)) if (w.operations.has('CREATE')) wanted.set(kindKey(w.kind), w.kind);
  const kinds = listingOrder([...wanted.values()].filter((k) => options.namespace === undefined || k.namespaced));

  const listed: Record<string, number> = {};
  const perRun = runs.map(() => ({ objects: [] as ObjectResult[], owners: new OwnerIndex() }));
  for (const kind of kinds) {
    const key = kindKey(kind);
    listed[key] = 0;
    try {
      for await (const object of listObjects(api, kind, { ...(options.namespace !== undefined ? { namespace: options.namespace } : {}), ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}), ...(options.pageSize ? { pageSize: options.pageSize } : {}) })) {
        listed[key]++;
        const meta = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown; uid?: unknown; resourceVersion?: unknown };
        const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
        const ref: ClusterRef = {
          apiVersion: String(object.apiVersion),
          kind: kind.kind,
          name: typeof meta.name === 'string' ? meta.name : '',
          ...(namespace !== undefined ? { namespace } : {}),
          uid: typeof meta.uid === 'string' ? meta.uid : '',
          resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '',
          cluster: options.cluster,
        };
        runs.forEach((run, i) => {
          const real = namespace !== undefined ? namespaceLabels.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace } : undefined;
          const patch = namespace !== undefined ? run.labelPatches?.get(namespace) : undefined;
          const labels = patch !== undefined ? { ...real, ...patch } : real;
          const input = inputFromObject(object, { ...(namespace !== undefined ? { namespace } : {}), ...(labels ? { namespaceLabels: labels } : {}) });
          const result = evaluate(input, run.set.registry, run.set.engine, options);
          const res = objectResult(ref, result, decide(result));
          const state = perRun[i]!;
          const rolled = state.owners.rollsUp(object, res);
          state.owners.remember(ref.uid, res);
          if (!rolled) state.objects.push(res);
        });
      }
    } catch (err) {
      problems.push({ code: 'KP_ERR_CLUSTER_LIST', message: listProblem(kind, err, options.namespace), path: key });
    }
  }
  return perRun.map((state) => ({
    ...buildReport(state.objects, problems),
    scope: { cluster: options.cluster, listed, judgedThroughOwner: Object.fromEntries(state.owners.rolledUp) },
  }));
}

function listProblem(kind: KnownKind, err: unknown, namespace: string | undefined): string {
  const what = `${kind.resource}${kind.group ? `.${kind.group}` : ''}${namespace !== undefined ? ` in namespace ${namespace}` : ''}`;
  if (err instanceof ApiError && err.status === 403) return `cannot list ${what}: forbidden (the credentials lack list permission); these objects were not examined`;
  return `cannot list ${what}: ${errorMessage(err)}; these objects were not examined`;
}

/**
 * Namespace labels, as the webhook's informer sees them. When they cannot be read, objects are judged
 * with only the automatic `kubernetes.io/metadata.name` label and the report says so.
 */
async function readNamespaceLabels(api: ApiClient, options: AuditOptions, problems: Problem[]): Promise<Map<string, Record<string, string>>> {
  const labels = new Map<string, Record<string, string>>();
  const ns = lookupKind({ group: '', kind: 'Namespace' })!;
  try {
    if (options.namespace !== undefined) {
      const one = (await api.getJson(`/api/v1/namespaces/${encodeURIComponent(options.namespace)}`)) as { metadata?: { labels?: Record<string, string> } };
      labels.set(options.namespace, { ...(one.metadata?.labels ?? {}) });
    } else {
      for await (const o of listObjects(api, ns, options.pageSize ? { pageSize: options.pageSize } : {})) {
        const meta = o.metadata as { name?: unknown; labels?: Record<string, string> } | undefined;
        if (typeof meta?.name === 'string') labels.set(meta.name, { ...(meta.labels ?? {}) });
      }
    }
  } catch (err) {
    problems.push({ code: 'KP_ERR_CLUSTER_LIST', message: `cannot read namespace labels (${errorMessage(err)}): namespace modes and Pod Security levels from labels were not applied`, path: 'Namespace' });
  }
  return labels;
}
