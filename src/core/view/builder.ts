/**
 * Builds the cluster view one object at a time, keeping only summaries (./extract.ts), so that a live
 * scan can feed it page by page and hold small indexes rather than every object.
 */
import { kindKey, parseKindRef } from '../kinds.js';
import { getIn } from '../safe.js';
import { extractSummary } from './extract.js';
import { objectIdOf, objectKey, subjectId } from './ids.js';
import { subjectRefOf } from './rights.js';
import { ClusterViewImpl, type ViewParts } from './view.js';
import type { BindingSummary, ClusterView, NamespaceSummary, NetworkPolicySummary, ObjectId, RoleSummary, ServiceAccountSummary, WorkloadSummary } from './types.js';

export interface ViewBuilderOptions {
  /**
   * The kinds the adapter sees in full (`'all'` for a manifest set, which is the whole world of a scan);
   * `markComplete` adds kinds as a live scan finishes listing them.
   */
  complete?: 'all' | readonly string[];
}

export class ClusterViewBuilder {
  private readonly namespaces = new Map<string, NamespaceSummary>();
  private readonly networkPolicies = new Map<string, NetworkPolicySummary>();
  private readonly workloads = new Map<string, { summary: WorkloadSummary; uid?: string; controllerUid?: string }>();
  private readonly serviceAccounts = new Map<string, ServiceAccountSummary>();
  private readonly roles = new Map<string, RoleSummary>();
  private readonly bindings = new Map<string, BindingSummary>();
  private readonly meta = new Map<string, { uid?: string; resourceVersion?: string }>();
  private readonly origins = new Map<string, ObjectId>();
  private readonly completeKinds = new Set<string>();
  private readonly allComplete: boolean;
  private first: ObjectId | undefined;

  constructor(options: ViewBuilderOptions = {}) {
    this.allComplete = options.complete === 'all';
    if (Array.isArray(options.complete)) for (const k of options.complete) this.markComplete(k);
  }

  /** Declares that every object of the kind (`Kind` or `Kind.group`) has been added. */
  markComplete(kind: string): void {
    this.completeKinds.add(kindKey(parseKindRef(kind)));
  }

  /**
   * Adds one object. Objects of kinds the view does not summarise only note the namespace they are in;
   * odd input is data: an object without apiVersion, kind or name is ignored. Returns whether it was kept.
   */
  add(object: unknown, defaults: { namespace?: string } = {}): boolean {
    const id = objectIdOf(object, defaults.namespace ?? 'default');
    if (id === undefined) return false;
    const key = objectKey(id);
    this.first ??= id;
    if (id.namespace !== undefined) this.mention({ apiVersion: 'v1', kind: 'Namespace', name: id.namespace }, id);
    const extracted = extractSummary(object, id);
    if (extracted === undefined) return false;
    const uid = getIn(object, ['metadata', 'uid']);
    const rv = getIn(object, ['metadata', 'resourceVersion']);
    this.meta.set(key, { ...(typeof uid === 'string' && uid !== '' ? { uid } : {}), ...(typeof rv === 'string' && rv !== '' ? { resourceVersion: rv } : {}) });
    switch (extracted.type) {
      case 'namespace': this.namespaces.set(id.name, extracted.summary); break;
      case 'networkPolicy': this.networkPolicies.set(key, extracted.summary); break;
      case 'workload': this.workloads.set(key, extracted); break;
      case 'serviceAccount': this.serviceAccounts.set(key, extracted.summary); break;
      case 'role': this.roles.set(key, extracted.summary); break;
      case 'binding':
        this.bindings.set(key, extracted.summary);
        for (const s of extracted.summary.subjects) {
          const ref = subjectRefOf(s);
          if (ref !== undefined) this.mention(subjectId(ref), id);
        }
        break;
    }
    return true;
  }

  /**
   * Forgets an object (deleted from the cluster), so a long-running controller can keep one builder
   * current instead of holding the objects to rebuild it. Returns whether it was in the view.
   */
  remove(id: ObjectId): boolean {
    const key = objectKey(id);
    const had = this.meta.delete(key);
    if (id.kind === 'Namespace' && id.apiVersion === 'v1') this.namespaces.delete(id.name);
    this.networkPolicies.delete(key);
    this.workloads.delete(key);
    this.serviceAccounts.delete(key);
    this.roles.delete(key);
    this.bindings.delete(key);
    return had;
  }

  private mention(implicit: ObjectId, by: ObjectId): void {
    const key = objectKey(implicit);
    if (!this.origins.has(key)) this.origins.set(key, by);
  }

  /** The frozen view. The builder may be dropped afterwards; building twice gives two equal views. */
  build(): ClusterView {
    // Workloads a workload in the view controls (a Deployment's ReplicaSets and their Pods) are judged
    // through it, as the live scan's owner roll-up reports them.
    const uids = new Set<string>();
    for (const w of this.workloads.values()) if (w.uid !== undefined) uids.add(w.uid);
    const topLevel = [...this.workloads.values()].filter((w) => w.controllerUid === undefined || !uids.has(w.controllerUid)).map((w) => w.summary);
    const parts: ViewParts = {
      namespaces: [...this.namespaces.values()],
      networkPolicies: [...this.networkPolicies.values()],
      workloads: topLevel,
      serviceAccounts: [...this.serviceAccounts.values()],
      roles: [...this.roles.values()],
      bindings: [...this.bindings.values()],
      meta: new Map(this.meta),
      origins: new Map(this.origins),
      first: this.first,
      allComplete: this.allComplete,
      completeKinds: new Set(this.completeKinds),
    };
    return new ClusterViewImpl(parts);
  }
}
