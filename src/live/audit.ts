/**
 * The live scan: lists every kind the enabled policies inspect, page by page, and evaluates each
 * object as the webhook would judge its creation, with its namespace's labels from the cluster.
 * Holds one page of objects at a time; keeps results (no object contents), the owner index and the
 * cluster view's summaries for the cluster policies.
 *
 * One forbidden kind (RBAC 403), one unreachable list or one odd object never stops the scan: it
 * becomes a problem in the report and the rest goes on.
 */
import type { EvaluateOptions } from '../core/engine.js';
import { errorMessage, type Problem } from '../core/errors.js';
import { KNOWN_KINDS, kindKey, lookupKind, type KnownKind } from '../core/kinds.js';
import { inspectedKinds } from '../core/webhook-rules.js';
import { evaluateContext, viewKinds } from '../core/context.js';
import { ClusterViewBuilder } from '../core/view/builder.js';
import { objectKey } from '../core/view/ids.js';
import { placeContext } from '../results/context.js';
import type { PolicySet } from '../policy-set/policy-set.js';
import { buildReport } from '../results/build.js';
import type { ObjectResult, Report } from '../results/model.js';
import { ResultSharing } from '../results/share.js';
import { ApiError, listObjects, type ApiClient } from '../cluster/api.js';
import { clusterRefOf, judgeObject, labelsFor } from './judge.js';
import { OWNER_FIRST_ORDER, OwnerIndex } from './owners.js';
import { policiesLackingData } from '../core/engine.js';
import type { VulnerabilityLookup } from '../core/vulnerabilities.js';
import { VULNERABILITY_REPORT_KIND } from '../vulnerabilities/vulnerability-report.js';
import { VulnerabilityStore } from './vulnerability-store.js';

export interface AuditOptions extends EvaluateOptions {
  /** Only this namespace (cluster-scoped kinds are then not listed). */
  namespace?: string;
  labelSelector?: string;
  /** Name of the cluster for references and reports (kubeconfig context). */
  cluster: string;
  pageSize?: number;
  /** Told what was not run and why (no VulnerabilityReports served, say): notes, not problems. */
  onNote?: (text: string) => void;
  /** "Now", for vulnerability allow-lists that expire. Default: the clock. */
  now?: Date;
}

/** A policy set to judge the cluster with, and the report it produces. */
export interface AuditRun {
  set: PolicySet;
  /** Labels laid over namespaces' real labels, per namespace: the what-if of a label change. */
  labelPatches?: ReadonlyMap<string, Record<string, string>>;
}

/** What one run keeps while the scan streams: results (equal parts shared), and controllers' signatures for the roll-up. */
interface RunState {
  objects: ObjectResult[];
  owners: OwnerIndex;
  sharing: ResultSharing;
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
 * configuration in force; others are what-if settings). Objects are listed once for all runs. The kinds
 * the enabled cluster policies read are listed too and summarised into one cluster view while streaming
 * (small indexes, never the objects); after listing, each run's cluster policies judge the view and
 * their findings join the results of the objects they name.
 */
export async function auditCluster(api: ApiClient, runs: readonly AuditRun[], options: AuditOptions): Promise<Report[]> {
  const problems: Problem[] = [];
  const forView = new Map<string, KnownKind>();
  for (const run of runs) for (const k of viewKinds(run.set.registry, run.set.engine)) forView.set(kindKey(k), k);
  const builder = forView.size > 0 ? new ClusterViewBuilder() : undefined;
  const feedNamespaces = builder !== undefined && forView.has('Namespace') ? builder : undefined;
  const namespaceLabels = await readNamespaceLabels(api, options, problems, feedNamespaces);
  const judged = new Map<string, KnownKind>();
  for (const run of runs) for (const w of inspectedKinds(run.set.registry, run.set.engine)) if (w.operations.has('CREATE')) judged.set(kindKey(w.kind), w.kind);
  // Namespaces for the view come from the label read above; they are listed again only when judged.
  const wanted = new Map([...[...forView].filter(([key]) => key !== 'Namespace'), ...judged]);
  const kinds = listingOrder([...wanted.values()].filter((k) => options.namespace === undefined || k.namespaced));

  const listed: Record<string, number> = {};
  const vulnerabilities = await readVulnerabilityReports(api, runs, options, problems, listed);
  const perRun: RunState[] = runs.map(() => ({ objects: [], owners: new OwnerIndex(), sharing: new ResultSharing() }));
  for (const kind of kinds) {
    const key = kindKey(kind);
    const judge = judged.has(key);
    const feed = builder !== undefined && forView.has(key) ? builder : undefined;
    // The label selector chooses what is judged; a kind listed only for the view is listed whole.
    const selector = judge ? options.labelSelector : undefined;
    listed[key] = 0;
    try {
      for await (const object of listObjects(api, kind, { ...(options.namespace !== undefined ? { namespace: options.namespace } : {}), ...(selector ? { labelSelector: selector } : {}), ...(options.pageSize ? { pageSize: options.pageSize } : {}) })) {
        listed[key]++;
        feed?.add(object);
        if (judge) judgeListed(object, kind, runs, perRun, namespaceLabels, options, vulnerabilities);
      }
      // Absence ("no NetworkPolicy", "no such role") can be judged only over a whole listing.
      if (!selector) feed?.markComplete(key);
    } catch (err) {
      problems.push({ code: 'KP_ERR_CLUSTER_LIST', message: listProblem(kind, err, options.namespace), path: key });
    }
  }
  if (builder !== undefined) {
    const view = builder.build();
    runs.forEach((run, i) => {
      const context = evaluateContext(view, run.set.registry, run.set.engine, options);
      placeContext(perRun[i]!.objects, { ...context, objects: perRun[i]!.sharing.context(context.objects) }, {
        keyOf: (r) => objectKey({ apiVersion: r.ref.apiVersion, kind: r.ref.kind, name: r.ref.name, ...(r.ref.namespace !== undefined ? { namespace: r.ref.namespace } : {}) }),
        refFor: (id) => ({ ref: { ...id, uid: view.metaOf(id)?.uid ?? '', resourceVersion: view.metaOf(id)?.resourceVersion ?? '', cluster: options.cluster } }),
      });
    });
  }
  return perRun.map((state) => ({
    ...buildReport(state.objects, problems),
    scope: { cluster: options.cluster, listed, judgedThroughOwner: Object.fromEntries(state.owners.rolledUp) },
  }));
}

/** Judges one listed object under every run, rolling it into its owner where the owner speaks for it. */
function judgeListed(object: Record<string, unknown>, kind: KnownKind, runs: readonly AuditRun[], perRun: RunState[], namespaceLabels: Map<string, Record<string, string>>, options: AuditOptions, vulnerabilities: VulnerabilityLookup | undefined): void {
  const ref = clusterRefOf(object, kind, options.cluster);
  runs.forEach((run, i) => {
    const labels = labelsFor(ref.namespace, namespaceLabels, ref.namespace !== undefined ? run.labelPatches?.get(ref.namespace) : undefined);
    const state = perRun[i]!;
    const res = state.sharing.share(judgeObject(object, ref, labels, run.set.registry, run.set.engine, options, vulnerabilities));
    const rolled = state.owners.rollsUp(object, res);
    state.owners.remember(ref.uid, res);
    if (!rolled) state.objects.push(res);
  });
}

/**
 * Trivy Operator's VulnerabilityReports, listed first (paged) when an enabled policy requires image
 * scan results: the index every object is judged with. Not served (the CRD is not installed) or not
 * readable: a note, and those policies are not run. A malformed report is a problem naming it.
 */
async function readVulnerabilityReports(api: ApiClient, runs: readonly AuditRun[], options: AuditOptions, problems: Problem[], listed: Record<string, number>): Promise<VulnerabilityLookup | undefined> {
  const needing = [...new Set(runs.flatMap((run) => policiesLackingData(run.set.engine, false)))];
  if (needing.length === 0) return undefined;
  const store = new VulnerabilityStore();
  const key = kindKey(VULNERABILITY_REPORT_KIND);
  listed[key] = 0;
  store.listStart();
  try {
    for await (const object of listObjects(api, VULNERABILITY_REPORT_KIND, { ...(options.namespace !== undefined ? { namespace: options.namespace } : {}), ...(options.pageSize ? { pageSize: options.pageSize } : {}) })) {
      listed[key]++;
      store.upsert(object);
    }
  } catch (err) {
    options.onNote?.(`not run: ${needing.join(', ')}: ${vulnerabilityListNote(err)}`);
    return undefined;
  }
  store.listEnd();
  problems.push(...store.problems());
  return store.lookup((options.now ?? new Date()).toISOString());
}

/** Why VulnerabilityReports could not be read, in words an operator can act on. */
export function vulnerabilityListNote(err: unknown): string {
  if (err instanceof ApiError && err.status === 404) return 'VulnerabilityReports (aquasecurity.github.io/v1alpha1) are not served here: install Trivy Operator for image scan results';
  if (err instanceof ApiError && err.status === 403) return 'cannot list VulnerabilityReports (aquasecurity.github.io): forbidden (grant get, list and watch on vulnerabilityreports)';
  return `cannot list VulnerabilityReports (aquasecurity.github.io): ${errorMessage(err)}`;
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
async function readNamespaceLabels(api: ApiClient, options: AuditOptions, problems: Problem[], view?: ClusterViewBuilder): Promise<Map<string, Record<string, string>>> {
  const labels = new Map<string, Record<string, string>>();
  const ns = lookupKind({ group: '', kind: 'Namespace' })!;
  try {
    if (options.namespace !== undefined) {
      const one = (await api.getJson(`/api/v1/namespaces/${encodeURIComponent(options.namespace)}`)) as { metadata?: { labels?: Record<string, string> } };
      labels.set(options.namespace, { ...(one.metadata?.labels ?? {}) });
      view?.add({ apiVersion: 'v1', kind: 'Namespace', ...one });
    } else {
      for await (const o of listObjects(api, ns, options.pageSize ? { pageSize: options.pageSize } : {})) {
        const meta = o.metadata as { name?: unknown; labels?: Record<string, string> } | undefined;
        if (typeof meta?.name === 'string') labels.set(meta.name, { ...(meta.labels ?? {}) });
        view?.add(o);
      }
    }
    view?.markComplete('Namespace');
  } catch (err) {
    problems.push({ code: 'KP_ERR_CLUSTER_LIST', message: `cannot read namespace labels (${errorMessage(err)}): namespace modes and Pod Security levels from labels were not applied`, path: 'Namespace' });
  }
  return labels;
}
