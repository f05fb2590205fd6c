/**
 * Builds the cluster view one object at a time, keeping only summaries (./extract.ts), so that a live
 * scan can feed it page by page and hold small indexes rather than every object.
 */
import { kindKey, parseKindRef } from '../kinds.js';
import { getIn } from '../safe.js';
import { extractSummary } from './extract.js';
import { objectIdOf, objectKey, subjectId } from './ids.js';
import { subjectRefOf } from './rights.js';
import type { RuleView } from '../subjects/rbac.js';
import { ClusterViewImpl, type StoredIgnore, type ViewParts } from './view.js';
import { ignoreRequest } from '../annotations.js';
import type { BindingSummary, ClusterView, ReadonlyLabels, NamespaceSummary, NetworkPolicySummary, ObjectId, RoleSummary, ServiceAccountSummary, WorkloadSummary } from './types.js';

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
  /**
   * Workloads whose controller was in the view when they came (a Deployment's ReplicaSets, their Pods):
   * judged through it, so no summary is kept, only the uid of those that can control others, by key.
   */
  private readonly controlled = new Map<string, string>();
  /** uid to key of every workload that can control others (not Pods), summarised or controlled. */
  private readonly ownerUids = new Map<string, string>();
  /** One copy of each repeated string (label keys and values, namespaces, kinds): 100,000 objects repeat a few thousand. */
  private readonly strings = new Map<string, string>();
  private readonly ruleLists = new Map<string, RuleView[]>();
  /** The last built view reads `meta` and `origins` as they are: the next change copies them first. */
  private shared = false;
  private readonly serviceAccounts = new Map<string, ServiceAccountSummary>();
  private readonly roles = new Map<string, RoleSummary>();
  private readonly bindings = new Map<string, BindingSummary>();
  private meta = new Map<string, { uid?: string; resourceVersion?: string }>();
  private origins = new Map<string, ObjectId>();
  /** `kube-posture.io/ignore` requests by key, for the few objects that carry one (copied at build). */
  private readonly ignores = new Map<string, StoredIgnore>();
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
    const raw = objectIdOf(object, defaults.namespace ?? 'default');
    if (raw === undefined) return false;
    // Literals, not spreads: a spread gives each of 100,000 objects its own hidden class.
    const id: ObjectId = raw.namespace !== undefined
      ? { apiVersion: this.intern(raw.apiVersion), kind: this.intern(raw.kind), namespace: this.intern(raw.namespace), name: raw.name }
      : { apiVersion: this.intern(raw.apiVersion), kind: this.intern(raw.kind), name: raw.name };
    const key = objectKey(id);
    this.unshare();
    this.first ??= id;
    if (id.namespace !== undefined) this.mention({ apiVersion: 'v1', kind: 'Namespace', name: id.namespace }, id);
    const extracted = extractSummary(object, id, this.intern, this.shareRules);
    if (extracted === undefined) return false;
    this.ignores.delete(key);
    if (extracted.type === 'workload') {
      this.forgetWorkload(key);
      const canControl = extracted.summary.podPath.length > 0;
      if (extracted.controllerUid !== undefined && this.ownerUids.has(extracted.controllerUid)) {
        // Judged through its controller: nothing to keep but, for a ReplicaSet, that it is there.
        this.meta.delete(key);
        if (canControl && extracted.uid !== undefined) {
          this.controlled.set(key, extracted.uid);
          this.ownerUids.set(extracted.uid, key);
        }
        return true;
      }
      if (canControl && extracted.uid !== undefined) this.ownerUids.set(extracted.uid, key);
    }
    const uid = getIn(object, ['metadata', 'uid']);
    const rv = getIn(object, ['metadata', 'resourceVersion']);
    this.meta.set(key, metaOf(typeof uid === 'string' && uid !== '' ? uid : undefined, typeof rv === 'string' && rv !== '' ? rv : undefined));
    // Only what the annotation asks (policy ids, the cleaned reason), never the annotations themselves.
    const ignore = ignoreRequest(object);
    if (ignore !== undefined) this.ignores.set(key, Object.freeze({ ids: Object.freeze([...ignore.ids]), ...(ignore.reason !== undefined ? { reason: ignore.reason } : {}) }));
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
    this.unshare();
    const had = this.meta.delete(key);
    this.ignores.delete(key);
    if (id.kind === 'Namespace' && id.apiVersion === 'v1') this.namespaces.delete(id.name);
    this.networkPolicies.delete(key);
    this.forgetWorkload(key);
    this.serviceAccounts.delete(key);
    this.roles.delete(key);
    this.bindings.delete(key);
    return had;
  }

  /**
   * What a workload's key holds goes (it changed or was deleted). Objects it controlled stay judged
   * through it until they change: the garbage collector deletes them, or orphans them by removing the
   * ownerReference, which arrives as a change and adds them with a summary of their own.
   */
  private forgetWorkload(key: string): void {
    const uid = this.workloads.get(key)?.uid ?? this.controlled.get(key);
    if (uid !== undefined && this.ownerUids.get(uid) === key) this.ownerUids.delete(uid);
    this.workloads.delete(key);
    this.controlled.delete(key);
  }

  /**
   * Workloads that came before their controller (a live scan lists kinds side by side: most
   * ReplicaSets arrive before their Deployment) keep no summary once the controller is in: they are
   * kept as if they had come after it (only a controller's uid, no metadata).
   */
  private demoteControlled(): void {
    for (const [key, w] of this.workloads) {
      if (w.controllerUid === undefined || !this.ownerUids.has(w.controllerUid)) continue;
      this.unshare();
      this.workloads.delete(key);
      this.meta.delete(key);
      this.ignores.delete(key);
      if (w.summary.podPath.length > 0 && w.uid !== undefined) this.controlled.set(key, w.uid);
    }
  }

  /** What the builder holds: summaries by type, and workloads kept only as "judged through their controller". */
  get sizes(): { workloads: number; controlled: number; meta: number; strings: number } {
    return { workloads: this.workloads.size, controlled: this.controlled.size, meta: this.meta.size, strings: this.strings.size };
  }

  /** Labels of every summary the view holds, by the keys the maps already hold (not a new string per object). */
  private labelsByKey(topLevel: readonly WorkloadSummary[]): Map<string, ReadonlyLabels> {
    const out = new Map<string, ReadonlyLabels>();
    for (const n of this.namespaces.values()) out.set(objectKey(n.id), n.labels);
    for (const map of [this.networkPolicies, this.serviceAccounts, this.roles, this.bindings]) for (const [key, s] of map) out.set(key, s.labels);
    const top = new Set(topLevel);
    for (const [key, w] of this.workloads) if (top.has(w.summary)) out.set(key, w.summary.labels);
    return out;
  }

  /** Copies the maps a built view still reads before they change. */
  private unshare(): void {
    if (!this.shared) return;
    this.meta = new Map(this.meta);
    this.origins = new Map(this.origins);
    this.shared = false;
  }

  /** Equal rule lists are one (frozen with the view): rules are data, never told apart by identity. */
  private readonly shareRules = (rules: RuleView[]): RuleView[] => {
    if (rules.length === 0) return rules;
    const key = JSON.stringify(rules);
    const known = this.ruleLists.get(key);
    if (known !== undefined) return known;
    if (this.ruleLists.size < 10_000) this.ruleLists.set(key, rules);
    return rules;
  };

  private readonly intern = (s: string): string => {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    // Bounded: past it, strings are kept as they come (still correct, only not shared).
    if (this.strings.size < 200_000) this.strings.set(s, s);
    return s;
  };

  private mention(implicit: ObjectId, by: ObjectId): void {
    const key = objectKey(implicit);
    if (!this.origins.has(key)) this.origins.set(key, by);
  }

  /** The frozen view. The builder may be dropped afterwards; building twice gives two equal views. */
  build(): ClusterView {
    this.demoteControlled();
    // Workloads a workload in the view controls (a Deployment's ReplicaSets and their Pods) are judged
    // through it, as the live scan's owner roll-up reports them.
    const topLevel: WorkloadSummary[] = [];
    for (const w of this.workloads.values()) if (w.controllerUid === undefined || !this.ownerUids.has(w.controllerUid)) topLevel.push(w.summary);
    // meta and origins are read, not copied: they can hold an entry per object, and a change after
    // this build copies them first (unshare), so this view never sees it.
    this.shared = true;
    const parts: ViewParts = {
      namespaces: [...this.namespaces.values()],
      networkPolicies: [...this.networkPolicies.values()],
      workloads: topLevel,
      serviceAccounts: [...this.serviceAccounts.values()],
      roles: [...this.roles.values()],
      bindings: [...this.bindings.values()],
      meta: this.meta,
      origins: this.origins,
      first: this.first,
      allComplete: this.allComplete,
      completeKinds: new Set(this.completeKinds),
      labelsByKey: this.labelsByKey(topLevel),
      ignores: new Map(this.ignores),
    };
    return new ClusterViewImpl(parts);
  }
}

/** uid and resourceVersion as the view reports them, absent when unknown (four literal shapes, no spreads). */
function metaOf(uid: string | undefined, resourceVersion: string | undefined): { uid?: string; resourceVersion?: string } {
  if (uid !== undefined) return resourceVersion !== undefined ? { uid, resourceVersion } : { uid };
  return resourceVersion !== undefined ? { resourceVersion } : {};
}
