/**
 * What the controller knows about the cluster, kept current event by event, without the objects.
 *
 * Per judged object: its uid, kind, name, namespace, its evaluation key (a digest of the evaluated
 * content, its namespace's labels and the policy set generation) and its result. An event whose key is
 * unchanged is not evaluated again; a Pod's status changing every few seconds costs one hash.
 *
 * Owner roll-up, as `audit` does it: an object whose controller was judged, and whose findings the
 * controller's result already has, is reported through its controller (Deployment → ReplicaSet → Pod
 * is one report, on the Deployment). The decision is taken again whenever the object or its controller
 * changes, from the two results alone (objects arrive in any order on separate watches).
 *
 * Cluster policies' findings (`applyContext`) join the result of the object they name, or make a result
 * of their own. Every change that can alter what is reported for an object calls `onDirty(uid)`; the
 * report writer decides whether anything must be written. Pure: no I/O, no clock.
 */
import { createHash } from 'node:crypto';
import type { ContextObjectResult, ContextResult } from '../core/context.js';
import type { EvaluateOptions } from '../core/engine.js';
import type { EngineConfig } from '../core/engine-config.js';
import { kindKey, type KnownKind } from '../core/kinds.js';
import type { Registry } from '../core/registry.js';
import { objectKey } from '../core/view/ids.js';
import type { ClusterView, ObjectId } from '../core/view/types.js';
import { contextOnlyResult, deservesResult, withContext } from '../results/context.js';
import type { ClusterRef, ObjectResult } from '../results/model.js';
import { ResultSharing } from '../results/share.js';
import { clusterRefOf, contentDigest, judgeObject, labelsFor, labelsHash } from './judge.js';
import { controllerOf, podSignature } from './owners.js';
import { vulnerabilityKey } from './vulnerability-store.js';
import type { VulnerabilityLookup } from '../core/vulnerabilities.js';

/** What a result says apart from whose it is: equal for every pod of a template, so held once for all of them. */
type Outcome = Omit<ObjectResult, 'ref'>;

/**
 * What is kept per judged object: its identity, its evaluation key and a shared outcome. No object
 * contents, no per-object result (the result is made when asked for), no per-object key strings.
 */
interface Entry {
  uid: string;
  kind: KnownKind;
  apiVersion: string;
  name: string;
  namespace: string | undefined;
  resourceVersion: string;
  /** The evaluation key: policy set generation, namespace labels' digest and content digest. */
  generation: number;
  labelsHash: string;
  /** What the vulnerability results say about its images (vulnerabilityKey); '' without results. */
  vulnKey: string;
  /** The content digest (judge.ts contentDigest), as two small integers. */
  contentA: number;
  contentB: number;
  outcome: Outcome;
  controllerUid: string | undefined;
  /** The controller it is reported through, when it rolls up. */
  rolledInto: string | undefined;
  /** Listing generation it was last seen in, for sweeping objects deleted while no watch was open. */
  seen: number;
}

export interface PolicyContext {
  registry: Registry;
  config: EngineConfig;
  options: EvaluateOptions;
  /** Increases when the policy set or configuration changes: every key changes with it. */
  generation: number;
  /**
   * Image scan results (Trivy Operator's VulnerabilityReports) for the policies that require them;
   * absent: those policies are not run. What they say about an object's images is part of its key.
   */
  vulnerabilities?: () => VulnerabilityLookup | undefined;
}

export interface PostureStateOptions {
  cluster: string;
  onDirty(uid: string): void;
}

export type UpsertOutcome = 'evaluated' | 'unchanged' | 'unnamed';

export class PostureState {
  private readonly entries = new Map<string, Entry>();
  private readonly children = new Map<string, Set<string>>();
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private readonly namespaceHashes = new Map<string, string>();
  private readonly namespaceNames = new Map<string, string>();
  /** Cluster policies' findings about judged objects, by uid. */
  private context = new Map<string, ContextObjectResult>();
  /** Results of objects only cluster policies speak of, by uid (or by key when the subject has no uid: a User, a Group). */
  private contextOnly = new Map<string, ObjectResult>();
  /**
   * What the last run of the cluster policies said of each object, as a digest (48 bits of SHA-1), by
   * the same keys: the next run is compared with these, so the last run's findings need not be held
   * while the next one runs (`releaseContext`).
   */
  private contextDigests = new Map<string, number>();
  /** Namespaces whose objects were judged before their labels were known (the namespace list failed or came late). */
  private readonly judgedWithoutLabels = new Set<string>();
  private readonly listGeneration = new Map<KnownKind, number>();
  /** Equal findings, `passed` lists and verdicts shared among results: most objects repeat a few templates. */
  private readonly sharing = new ResultSharing();
  private readonly signatures = new WeakMap<Outcome, Map<KnownKind, Set<string>>>();
  private policies: PolicyContext | undefined;
  /** Evaluations since start, and evaluations an unchanged key saved. */
  readonly counts = { evaluated: 0, unchanged: 0 };

  constructor(private readonly options: PostureStateOptions) {}

  /** Sets the policy set in force; objects are evaluated again as they are seen (a relist follows). */
  setPolicies(policies: PolicyContext): void {
    this.policies = policies;
  }

  /** Records a namespace's labels; true when they changed (its objects need judging again). */
  setNamespace(name: string, labels: Record<string, string>): boolean {
    const hash = labelsHash(labels);
    const before = this.namespaceHashes.get(name);
    this.namespaceLabels.set(name, { ...labels });
    this.namespaceHashes.set(name, hash);
    if (!this.namespaceNames.has(name)) this.namespaceNames.set(name, name);
    const late = this.judgedWithoutLabels.delete(name);
    return late || (before !== undefined && before !== hash);
  }

  removeNamespace(name: string): void {
    this.namespaceLabels.delete(name);
    this.namespaceHashes.delete(name);
    this.namespaceNames.delete(name);
  }

  /** Judges an object (listed, added or modified) unless its evaluation key is unchanged. */
  upsert(object: Record<string, unknown>, kind: KnownKind): UpsertOutcome {
    const policies = this.policies;
    if (policies === undefined) throw new Error('PostureState: no policy set');
    const ref = clusterRefOf(object, kind, this.options.cluster);
    if (ref.uid === '' || ref.name === '') return 'unnamed';
    const labels = labelsFor(ref.namespace, this.namespaceLabels);
    if (ref.namespace !== undefined && !this.namespaceHashes.has(ref.namespace)) this.judgedWithoutLabels.add(ref.namespace);
    const nsHash = ref.namespace !== undefined ? this.namespaceHashes.get(ref.namespace) ?? '-' : '';
    const [hashA, hashB] = contentDigest(object);
    const old = this.entries.get(ref.uid);
    const seen = this.listGeneration.get(kind) ?? 0;
    const lookup = policies.vulnerabilities?.();
    const vulnKey = lookup !== undefined ? vulnerabilityKey(object, kind, lookup, ref.namespace) : '';
    if (old !== undefined && old.generation === policies.generation && old.labelsHash === nsHash && old.contentA === hashA && old.contentB === hashB && old.vulnKey === vulnKey) {
      old.seen = seen;
      old.resourceVersion = ref.resourceVersion;
      this.counts.unchanged++;
      return 'unchanged';
    }
    const { ref: _ref, ...outcome } = judgeObject(object, ref, labels, policies.registry, policies.config, policies.options, lookup);
    this.counts.evaluated++;
    const owner = controllerOf(object)?.uid;
    // The owner's own uid string when it is known: 70,000 pods then hold no copy of it.
    const controller = owner !== undefined ? this.entries.get(owner)?.uid ?? owner : undefined;
    const entry: Entry = {
      uid: ref.uid,
      kind,
      apiVersion: ref.apiVersion,
      name: ref.name,
      namespace: ref.namespace !== undefined ? this.namespaceName(ref.namespace) : undefined,
      resourceVersion: ref.resourceVersion,
      generation: policies.generation,
      labelsHash: nsHash,
      vulnKey,
      contentA: hashA,
      contentB: hashB,
      outcome: this.sharing.outcome(outcome),
      controllerUid: controller,
      rolledInto: undefined,
      seen,
    };
    if (old !== undefined && old.controllerUid !== controller) this.unlinkChild(old);
    this.entries.set(ref.uid, entry);
    if (controller !== undefined) {
      let set = this.children.get(controller);
      if (set === undefined) this.children.set(controller, (set = new Set()));
      set.add(ref.uid);
    }
    entry.rolledInto = this.rollsInto(entry);
    this.options.onDirty(ref.uid);
    this.recheckChildren(ref.uid);
    return 'evaluated';
  }

  /** Forgets a deleted object; its report goes with it. */
  remove(uid: string): boolean {
    const e = this.entries.get(uid);
    if (e === undefined) return false;
    this.entries.delete(uid);
    this.context.delete(uid);
    this.contextDigests.delete(uid);
    this.unlinkChild(e);
    this.options.onDirty(uid);
    // What it controlled stays reported through it: the garbage collector is deleting it too, or
    // orphans it by removing the ownerReference, which arrives as a change and is judged then.
    return true;
  }

  /** A whole listing of a kind begins: objects not seen again before `listEnd` are gone. */
  listStart(kind: KnownKind): void {
    this.listGeneration.set(kind, (this.listGeneration.get(kind) ?? 0) + 1);
  }

  /** Removes what the finished listing did not show (deleted while no watch was open); returns what went. */
  listEnd(kind: KnownKind): ObjectId[] {
    const gen = this.listGeneration.get(kind) ?? 0;
    const gone: Entry[] = [];
    for (const e of this.entries.values()) if (e.kind === kind && e.seen !== gen) gone.push(e);
    for (const e of gone) this.remove(e.uid);
    return gone.map(idOf);
  }

  /**
   * Lets go of the last run's context findings before the next run, which is compared with their
   * digests: a large cluster's run names tens of thousands of objects, and holding both runs at once
   * was what did not fit the scanner's heap. Until `applyContext` (or `contextFailed`), results lack
   * the cluster policies' findings: call both in one synchronous step.
   */
  releaseContext(): void {
    this.context = new Map();
    this.contextOnly = new Map();
  }

  /**
   * The run after `releaseContext` failed: no cluster-policy findings are known. Every object that had
   * some is dirty (its report no longer shows them), and the next run marks every object it names.
   */
  contextFailed(): void {
    const had = [...this.contextDigests.keys()];
    this.context = new Map();
    this.contextOnly = new Map();
    this.contextDigests = new Map();
    for (const uid of had) this.options.onDirty(uid);
  }

  /**
   * Lays the cluster policies' latest findings over the results: each object whose context findings
   * changed is marked dirty, and objects only they speak of get results of their own.
   */
  applyContext(result: ContextResult, view: ClusterView): void {
    // Findings about a judged object join its result (found by the uid the view knows for it); the
    // rest (a namespace, a User, an object of a kind not judged) make results of their own.
    const next = new Map<string, ContextObjectResult>();
    const nextOnly = new Map<string, ObjectResult>();
    const digests = new Map<string, number>();
    for (const ctx of this.sharing.context(result.objects)) {
      if (ctx.findings.length === 0 && !ctx.outcomes.some((o) => o.outcome === 'skip')) continue;
      const uid = view.metaOf(ctx.object)?.uid;
      if (uid !== undefined && this.entries.has(uid)) {
        next.set(uid, ctx);
        digests.set(uid, contextDigest(ctx));
        continue;
      }
      if (!deservesResult(ctx)) continue;
      const ref = this.refFor(ctx.object, view);
      const key = ref.uid !== '' ? ref.uid : objectKey(ctx.object);
      nextOnly.set(key, contextOnlyResult(ref, ctx));
      digests.set(key, contextDigest(ctx));
    }
    const changed: string[] = [];
    for (const [key, digest] of digests) if (this.contextDigests.get(key) !== digest) changed.push(key);
    for (const key of this.contextDigests.keys()) if (!digests.has(key)) changed.push(key);
    this.context = next;
    this.contextOnly = nextOnly;
    this.contextDigests = digests;
    for (const uid of changed) this.options.onDirty(uid);
  }

  /**
   * What is reported for a uid: its result with the cluster policies' findings, or undefined when it
   * is gone or reported through its controller.
   */
  reported(uid: string): ObjectResult | undefined {
    const e = this.entries.get(uid);
    if (e === undefined) return this.contextOnly.get(uid);
    if (e.rolledInto !== undefined) return undefined;
    const ctx = this.context.get(uid);
    const base = resultOf(e, this.options.cluster);
    return ctx !== undefined ? withContext(base, ctx) : base;
  }

  /** Every reported result (not those rolled into their controller), for metrics and reports. */
  *results(): Generator<ObjectResult> {
    for (const e of this.entries.values()) {
      const r = this.reported(e.uid);
      if (r !== undefined) yield r;
    }
    yield* this.contextOnly.values();
  }

  /** Every uid with a reported result. */
  *reportedUids(): Generator<string> {
    for (const e of this.entries.values()) if (e.rolledInto === undefined) yield e.uid;
    for (const id of this.contextOnly.keys()) yield id;
  }

  /** Objects judged through their controller, by kind. */
  rolledUp(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries.values()) if (e.rolledInto !== undefined) out[e.kind.kind] = (out[e.kind.kind] ?? 0) + 1;
    return out;
  }

  /** Judged objects known, by kind key. */
  objectsByKind(): Map<string, number> {
    const byKind = new Map<KnownKind, number>();
    for (const e of this.entries.values()) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
    return new Map([...byKind].map(([k, n]) => [kindKey(k), n]));
  }

  get size(): number {
    return this.entries.size;
  }

  /** The namespace's name as the namespace map holds it: one string per namespace, not one per object. */
  private namespaceName(name: string): string {
    return this.namespaceNames.get(name) ?? name;
  }

  private refFor(id: ObjectId, view: ClusterView): ClusterRef {
    const meta = view.metaOf(id);
    return { ...id, uid: meta?.uid ?? '', resourceVersion: meta?.resourceVersion ?? '', cluster: this.options.cluster };
  }

  private rollsInto(e: Entry): string | undefined {
    if (e.controllerUid === undefined) return undefined;
    const owner = this.entries.get(e.controllerUid);
    // Only a pod-bearing owner's template speaks for what it creates.
    if (owner === undefined || owner.kind.podPath === undefined) return undefined;
    const ownerSignature = this.signatureOf(owner);
    for (const s of this.signatureOf(e)) if (!ownerSignature.has(s)) return undefined;
    return owner.uid;
  }

  /** What an object's result says about its pod: computed once per shared outcome and kind, not per object. */
  private signatureOf(e: Entry): Set<string> {
    let byKind = this.signatures.get(e.outcome);
    if (byKind === undefined) this.signatures.set(e.outcome, (byKind = new Map()));
    let sig = byKind.get(e.kind);
    if (sig === undefined) byKind.set(e.kind, (sig = podSignature(resultOf(e, this.options.cluster))));
    return sig;
  }

  /** The controller changed or went: its objects' roll-up is decided again. */
  private recheckChildren(uid: string): void {
    const kids = this.children.get(uid);
    if (kids === undefined) return;
    for (const kid of kids) {
      const e = this.entries.get(kid);
      if (e === undefined) continue;
      const next = this.rollsInto(e);
      if (next !== e.rolledInto) {
        e.rolledInto = next;
        this.options.onDirty(kid);
      }
    }
  }

  private unlinkChild(e: Entry): void {
    if (e.controllerUid === undefined) return;
    const set = this.children.get(e.controllerUid);
    set?.delete(e.uid);
    if (set?.size === 0) this.children.delete(e.controllerUid);
  }
}

function idOf(e: Entry): ObjectId {
  return { apiVersion: e.apiVersion, kind: e.kind.kind, name: e.name, ...(e.namespace !== undefined ? { namespace: e.namespace } : {}) };
}

/** The object's result, made from what is kept. */
function resultOf(e: Entry, cluster: string): ObjectResult {
  return { ref: { ...idOf(e), uid: e.uid, resourceVersion: e.resourceVersion, cluster }, ...e.outcome };
}


/**
 * What a run of the cluster policies said of an object (findings, all but the object they name, and
 * skips) as 48 bits of SHA-1, fed field by field: never one string of every finding (a run names
 * 20,000 workloads in a large cluster, and serialising both runs each time made tens of MiB of strings).
 */
function contextDigest(ctx: ContextObjectResult): number {
  const h = createHash('sha1');
  for (const f of ctx.findings) {
    h.update(`${f.kind}\0${f.policyId}\0${f.title}\0${f.severity}\0${f.category}\0${f.action}\0${f.path}\0${f.remediation}\0${f.pssVersion ?? ''}\0${f.controls.join(',')}\0`);
    h.update(f.message);
    h.update('\0');
    if (f.evidence !== undefined) for (const e of f.evidence) h.update(`${e}\u0001`);
    h.update(`\0${f.value === undefined ? '' : JSON.stringify(f.value)}\n`);
  }
  for (const o of ctx.outcomes) if (o.outcome === 'skip') h.update(`skip\0${o.policyId}\0${o.reason ?? ''}\n`);
  return h.digest().readUIntBE(0, 6);
}
