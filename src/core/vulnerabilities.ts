/**
 * Image vulnerability results, as policies see them. kube-posture has no vulnerability database of
 * its own: the adapters read what image scanners already produced (Trivy and Grype JSON for `scan
 * --vulnerabilities`; Trivy Operator's VulnerabilityReports in a cluster) and hand the core an index
 * of small summaries, one per scanned image. Pure: no I/O, no clock (the adapter says what "now" is,
 * for allow-list expiry).
 */

export type VulnerabilitySeverity = 'critical' | 'high' | 'medium' | 'low' | 'unknown';
export const VULNERABILITY_SEVERITIES: readonly VulnerabilitySeverity[] = ['critical', 'high', 'medium', 'low', 'unknown'];
/** Rank for thresholds: critical 4 … unknown 0. */
export const VULNERABILITY_RANK: Readonly<Record<VulnerabilitySeverity, number>> = { critical: 4, high: 3, medium: 2, low: 1, unknown: 0 };

/** One vulnerability of one package in an image. */
export interface ImageVulnerability {
  /** CVE-…, GHSA-…, … as the scanner names it. */
  id: string;
  severity: VulnerabilitySeverity;
  package: string;
  installedVersion: string;
  /** The version(s) that fix it, as the scanner says ("1.1.1w", "2.3.4, 3.0.1"); absent when no fix is known. */
  fixedVersion?: string;
}

/**
 * What is kept of one image's scan: counts by severity of every vulnerability, and the critical and
 * high ones themselves (bounded), which is what policies and messages need; never whole reports.
 */
export interface ImageScanSummary {
  /** The image reference the scanner was given or reports (`nginx:1.25`, `registry/app@sha256:…`). */
  image: string;
  /** Repository digests (`registry/app@sha256:…` or bare `sha256:…`) the scanner reports for it. */
  digests: readonly string[];
  /** Where the result came from: a file name, or `VulnerabilityReport ns/name`. */
  source: string;
  /** The scanner (`Trivy`, `Grype`, `Trivy Operator`), for messages. */
  scanner: string;
  counts: Readonly<Record<VulnerabilitySeverity, number>>;
  /** Counts of those with a known fix. */
  fixableCounts: Readonly<Record<VulnerabilitySeverity, number>>;
  /** Critical and high vulnerabilities, worst first, at most MAX_KEPT_VULNERABILITIES. */
  vulnerabilities: readonly ImageVulnerability[];
  /** How many critical or high ones were left out of `vulnerabilities` by the bound. */
  omitted: number;
  /**
   * The workload container the scan was made for, when the source names one (Trivy Operator's
   * `trivy-operator.resource.*` and `trivy-operator.container.name` labels); absent for CI files.
   */
  subject?: ScanSubject;
}

/** A workload's container as Trivy Operator names the one it scanned (a Deployment's pods: their ReplicaSet). */
export interface ScanSubject {
  kind: string;
  namespace: string;
  name: string;
  container: string;
}

/**
 * Who asks for an image's scan: the judged object (kind, namespace, name), its managing controller
 * when it has one (a Pod's ReplicaSet), and the container. Lets a lookup prefer the report made for
 * this very workload and container over another report of the same image.
 */
export interface ScanWorkload {
  kind: string;
  namespace: string;
  name: string;
  container: string;
  owner?: { kind: string; name: string };
}

export const MAX_KEPT_VULNERABILITIES = 200;

export interface VulnerabilityLookup {
  /**
   * The scan of the image a container runs (see `findScan`): the report made for this workload and
   * container when `workload` is given and one matches the image, else by digest when one is known,
   * else by normalised reference.
   */
  find(image: string, imageID?: string, workload?: ScanWorkload): ImageScanSummary | undefined;
  /** The adapter's "now" (ISO 8601), for allow-list entries that expire. */
  readonly asOf: string;
  /** How many images the index holds. */
  readonly size: number;
}

/** Builds the summary the core keeps from a scanner's full list (the parsers call this). */
export function summarize(image: string, digests: readonly string[], source: string, scanner: string, all: Iterable<ImageVulnerability>): ImageScanSummary {
  const counts = zeroCounts();
  const fixableCounts = zeroCounts();
  const kept: ImageVulnerability[] = [];
  const seen = new Set<string>();
  for (const v of all) {
    // A CVE in one package is counted once, whatever number of layers or targets report it.
    const key = `${v.id}\u0000${v.package}\u0000${v.installedVersion}`;
    if (seen.has(key)) continue;
    seen.add(key);
    counts[v.severity] += 1;
    if (v.fixedVersion !== undefined) fixableCounts[v.severity] += 1;
    if (VULNERABILITY_RANK[v.severity] >= VULNERABILITY_RANK.high) kept.push(v);
  }
  kept.sort(worstFirst);
  return {
    image, digests: [...digests], source, scanner, counts, fixableCounts,
    vulnerabilities: kept.slice(0, MAX_KEPT_VULNERABILITIES),
    omitted: Math.max(0, kept.length - MAX_KEPT_VULNERABILITIES),
  };
}

/** Critical before high, fixable before not, then by id: the order messages name them in. */
export function worstFirst(a: ImageVulnerability, b: ImageVulnerability): number {
  return VULNERABILITY_RANK[b.severity] - VULNERABILITY_RANK[a.severity]
    || Number(b.fixedVersion !== undefined) - Number(a.fixedVersion !== undefined)
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function zeroCounts(): Record<VulnerabilitySeverity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
}

/**
 * An image reference in the form two spellings of the same image share: registry, repository and tag
 * made explicit as the container runtime resolves them (`nginx` is `docker.io/library/nginx:latest`),
 * the digest kept apart. Returns undefined for a string that is not a reference.
 */
export function normalizeImageRef(ref: string): { name: string; tag?: string; digest?: string } | undefined {
  let rest = ref.trim();
  if (rest === '' || /\s/.test(rest)) return undefined;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+:[a-f0-9]{32,}$/i.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  if (rest === '') return undefined;
  const first = rest.split('/')[0]!;
  const hasRegistry = rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let name = hasRegistry ? rest : `docker.io/${rest}`;
  if (name.startsWith('index.docker.io/')) name = `docker.io/${name.slice('index.docker.io/'.length)}`;
  if (name.startsWith('docker.io/') && !name.slice('docker.io/'.length).includes('/')) name = `docker.io/library/${name.slice('docker.io/'.length)}`;
  name = name.toLowerCase();
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest: digest.toLowerCase() } : {}) };
}

/** The `sha256:…` part of a digest reference or of a runtime imageID (`docker-pullable://x@sha256:…`). */
export function digestOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const m = /(sha256:[a-f0-9]{64})/i.exec(text);
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * The keys under which a scan made for `subject` is found by workload: its own (`Kind/ns/name/container`)
 * and, for a ReplicaSet named as the Deployment controller names them (`<deployment>-<pod-template-hash>`),
 * the Deployment's: Trivy Operator scans a Deployment's pods as their ReplicaSet's, and the template a
 * Deployment carries is judged on the Deployment. A bare ReplicaSet whose name merely looks so only
 * makes its report preferred by a Deployment of that name, same namespace, container and image.
 */
export function subjectKeys(subject: ScanSubject): string[] {
  const keys = [workloadKey(subject.kind, subject.namespace, subject.name, subject.container)];
  const m = subject.kind === 'ReplicaSet' ? /^(.+)-[a-z0-9]{1,10}$/.exec(subject.name) : null;
  if (m) keys.push(workloadKey('Deployment', subject.namespace, m[1]!, subject.container));
  return keys;
}

/** The keys a judged object's container looks its own reports up by: itself, then its controller. */
export function workloadKeys(w: ScanWorkload): string[] {
  const keys = [workloadKey(w.kind, w.namespace, w.name, w.container)];
  if (w.owner !== undefined) keys.push(workloadKey(w.owner.kind, w.namespace, w.owner.name, w.container));
  return keys;
}

function workloadKey(kind: string, namespace: string, name: string, container: string): string {
  return `${kind}/${namespace}/${name}/${container}`;
}

/**
 * The workload a container of `object` belongs to, for `find`: the object's kind and name, its
 * namespace (the object's, else the request's), its managing controller (`ownerReferences` with
 * `controller: true`), and the container's name. Undefined when the object lacks a kind, or both a
 * name and a controller (a manifest with `generateName`, say): then the lookup is by image alone.
 */
export function scanWorkloadOf(object: unknown, container: unknown, namespace?: string): ScanWorkload | undefined {
  if (object === null || typeof object !== 'object' || typeof container !== 'string' || container === '') return undefined;
  const o = object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown; ownerReferences?: unknown } };
  const ns = typeof o.metadata?.namespace === 'string' && o.metadata.namespace !== '' ? o.metadata.namespace : namespace;
  if (typeof o.kind !== 'string' || o.metadata === null || typeof o.metadata !== 'object' || ns === undefined || ns === '') return undefined;
  const name = typeof o.metadata.name === 'string' ? o.metadata.name : '';
  let owner: ScanWorkload['owner'];
  if (Array.isArray(o.metadata.ownerReferences)) {
    for (const r of o.metadata.ownerReferences as unknown[]) {
      const ref = r !== null && typeof r === 'object' ? (r as { controller?: unknown; kind?: unknown; name?: unknown }) : undefined;
      if (ref?.controller === true && typeof ref.kind === 'string' && typeof ref.name === 'string') {
        owner = { kind: ref.kind, name: ref.name };
        break;
      }
    }
  }
  // A Pod a controller creates may not be named yet (generateName): its controller still names it.
  if (name === '' && owner === undefined) return undefined;
  return { kind: o.kind, namespace: ns, name, container, ...(owner !== undefined ? { owner } : {}) };
}

/** Where `findScan` looks: by workload key (latest first), by digest, by normalised `name:tag`. */
export interface ScanSource {
  byWorkload(key: string): Iterable<ImageScanSummary> | undefined;
  byDigest(digest: string): ImageScanSummary | undefined;
  byRef(ref: string): ImageScanSummary | undefined;
}

/**
 * The scan of a container's image, when several may name it:
 * 1. the report made for this workload and container (`workload`; a Pod's also through its
 *    controller, a Deployment's through its ReplicaSets), if it is of this image: the same digest when
 *    both the container's (pulled or pinned) and the report's are known, else the same normalised
 *    reference (never by tag for a pinned reference);
 * 2. else any report of the digest the node pulled, or the reference is pinned to;
 * 3. else any report of the normalised reference, unless the reference is pinned to a digest (another
 *    build may carry the tag).
 * Within a step the latest report wins.
 */
export function findScan(source: ScanSource, image: string, imageID?: string, workload?: ScanWorkload): ImageScanSummary | undefined {
  const digests: string[] = [];
  for (const candidate of [imageID, image]) {
    const d = digestOf(candidate);
    if (d !== undefined && !digests.includes(d)) digests.push(d);
  }
  const ref = normalizeImageRef(image);
  const refKey = ref !== undefined && ref.digest === undefined && ref.tag !== undefined ? `${ref.name}:${ref.tag}` : undefined;
  if (workload !== undefined) {
    for (const key of workloadKeys(workload)) {
      for (const scan of source.byWorkload(key) ?? []) if (isOf(scan, digests, refKey)) return scan;
    }
  }
  // The digest a node actually pulled is the strongest match; a tag may have moved since the scan.
  for (const d of digests) {
    const hit = source.byDigest(d);
    if (hit !== undefined) return hit;
  }
  return refKey === undefined ? undefined : source.byRef(refKey);
}

/** Whether a workload's own scan is of the image asked about (see findScan, step 1). */
function isOf(scan: ImageScanSummary, digests: readonly string[], refKey: string | undefined): boolean {
  const own = scanDigests(scan);
  if (digests.length > 0 && own.length > 0) return digests.some((d) => own.includes(d));
  if (refKey === undefined) return false;
  const r = normalizeImageRef(scan.image);
  return r?.tag !== undefined && `${r.name}:${r.tag}` === refKey;
}

/** The `sha256:…` digests a scan names (its repository digests, or an image reference pinned to one). */
export function scanDigests(scan: ImageScanSummary): string[] {
  const out: string[] = [];
  for (const d of [...scan.digests, scan.image]) {
    const digest = digestOf(d);
    if (digest !== undefined && !out.includes(digest)) out.push(digest);
  }
  return out;
}

/** An index of image scans by digest, by normalised `name:tag` and by the workload each was made for. */
export class VulnerabilityIndex implements VulnerabilityLookup {
  private readonly byDigest = new Map<string, ImageScanSummary>();
  private readonly byRef = new Map<string, ImageScanSummary>();
  /** Latest last; read latest first. */
  private readonly byWorkload = new Map<string, ImageScanSummary[]>();
  private count = 0;
  private readonly source: ScanSource = {
    byWorkload: (key) => {
      const list = this.byWorkload.get(key);
      return list === undefined ? undefined : list.length === 1 ? list : [...list].reverse();
    },
    byDigest: (d) => this.byDigest.get(d),
    byRef: (r) => this.byRef.get(r),
  };

  constructor(readonly asOf: string) {}

  get size(): number {
    return this.count;
  }

  /** Adds a scan; of two that name one image (or one workload), the one added later wins. */
  add(scan: ImageScanSummary): void {
    this.count += 1;
    for (const digest of scanDigests(scan)) this.byDigest.set(digest, scan);
    const ref = normalizeImageRef(scan.image);
    if (ref?.tag !== undefined) this.byRef.set(`${ref.name}:${ref.tag}`, scan);
    if (scan.subject !== undefined) {
      for (const key of subjectKeys(scan.subject)) {
        const list = this.byWorkload.get(key);
        if (list === undefined) this.byWorkload.set(key, [scan]);
        else list.push(scan);
      }
    }
  }

  find(image: string, imageID?: string, workload?: ScanWorkload): ImageScanSummary | undefined {
    return findScan(this.source, image, imageID, workload);
  }
}
