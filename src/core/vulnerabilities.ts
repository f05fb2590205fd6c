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
}

export const MAX_KEPT_VULNERABILITIES = 200;

export interface VulnerabilityLookup {
  /** The scan of the image a container runs: by digest when one is known, else by normalised reference. */
  find(image: string, imageID?: string): ImageScanSummary | undefined;
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

/** An index of image scans by digest and by normalised `name:tag`. */
export class VulnerabilityIndex implements VulnerabilityLookup {
  private readonly byDigest = new Map<string, ImageScanSummary>();
  private readonly byRef = new Map<string, ImageScanSummary>();
  private count = 0;

  constructor(readonly asOf: string) {}

  get size(): number {
    return this.count;
  }

  add(scan: ImageScanSummary): void {
    this.count += 1;
    for (const d of [...scan.digests, scan.image]) {
      const digest = digestOf(d);
      if (digest !== undefined) this.byDigest.set(digest, scan);
    }
    const ref = normalizeImageRef(scan.image);
    if (ref?.tag !== undefined) this.byRef.set(`${ref.name}:${ref.tag}`, scan);
  }

  find(image: string, imageID?: string): ImageScanSummary | undefined {
    // The digest a node actually pulled is the strongest match; a tag may have moved since the scan.
    for (const candidate of [imageID, image]) {
      const digest = digestOf(candidate);
      if (digest !== undefined) {
        const hit = this.byDigest.get(digest);
        if (hit) return hit;
      }
    }
    const ref = normalizeImageRef(image);
    // A reference pinned by digest that no scan has is not matched by its tag: it may be another build.
    if (ref === undefined || ref.digest !== undefined || ref.tag === undefined) return undefined;
    return this.byRef.get(`${ref.name}:${ref.tag}`);
  }
}
