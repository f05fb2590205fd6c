/**
 * The webhook's cache of image scan results: image digest, normalised reference and scanned workload
 * container -> the summary of the latest VulnerabilityReport that names it. Bounded by entries, least recently used out first: an
 * image the cluster stopped running (or never admits) makes room. An image not in the cache (never
 * seen, or pushed out) has no result: `image-vulnerability-report-missing` judges it, so it is never
 * silently allowed or denied. Pure: fed by a reflector (src/cli/serve-command.ts).
 */
import { findScan, normalizeImageRef, scanDigests, subjectKeys, type ImageScanSummary, type ScanSource, type ScanWorkload, type VulnerabilityLookup } from '../core/vulnerabilities.js';

export class ImageScanCache {
  /** `d:sha256:…`, `r:name:tag` and `w:Kind/ns/name/container` -> summary; Map order is use order (oldest first). */
  private readonly entries = new Map<string, ImageScanSummary>();
  /** Entries pushed out by the bound since start. */
  evicted = 0;
  /** Lookups answered with a result, and without one (the image has no result: the missing-report policy judges it). */
  hits = 0;
  misses = 0;
  private readonly source: ScanSource = {
    byWorkload: (key) => {
      const hit = this.touch(`w:${key}`);
      return hit === undefined ? undefined : [hit];
    },
    byDigest: (d) => this.touch(`d:${d}`),
    byRef: (r) => this.touch(`r:${r}`),
  };

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The listing each summary was last set in (see listStart/listEnd). */
  private readonly listedIn = new WeakMap<ImageScanSummary, number>();
  private listGen = 0;

  /** A whole listing of the reports begins (the first, or a relist after a broken watch). */
  listStart(): void {
    this.listGen++;
  }

  /**
   * The listing is complete: entries whose report it did not show are dropped (reports deleted while
   * the watch was down). Returns how many entries went.
   */
  listEnd(): number {
    let dropped = 0;
    for (const [key, summary] of this.entries) {
      if (this.listedIn.get(summary) !== this.listGen) {
        this.entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** A report's summary: each of its keys now points to it (a later report of the same image wins). */
  set(summary: ImageScanSummary): void {
    this.listedIn.set(summary, this.listGen);
    for (const key of keysOf(summary)) {
      this.entries.delete(key);
      this.entries.set(key, summary);
    }
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
      this.evicted++;
    }
  }

  /** A report was deleted: its keys go, unless a later report of the same image took them. */
  delete(summary: ImageScanSummary): void {
    for (const key of keysOf(summary)) if (this.entries.get(key)?.source === summary.source) this.entries.delete(key);
  }

  /** As the core's index finds (findScan): the workload's own report, else by the pulled or pinned digest, else the normalised reference (never by tag when pinned). */
  find(image: string, imageID?: string, workload?: ScanWorkload): ImageScanSummary | undefined {
    const hit = findScan(this.source, image, imageID, workload);
    if (hit === undefined) this.misses++;
    else this.hits++;
    return hit;
  }

  /** The lookup the policies see, with "now" for expiring allow-list entries. */
  lookup(now: () => Date = () => new Date()): VulnerabilityLookup {
    const find = (image: string, imageID?: string, workload?: ScanWorkload) => this.find(image, imageID, workload);
    const size = () => this.size;
    return { find, get asOf() { return now().toISOString(); }, get size() { return size(); } };
  }

  private touch(key: string): ImageScanSummary | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }
}

function keysOf(summary: ImageScanSummary): string[] {
  const keys = new Set<string>();
  for (const digest of scanDigests(summary)) keys.add(`d:${digest}`);
  const ref = normalizeImageRef(summary.image);
  if (ref?.tag !== undefined) keys.add(`r:${ref.name}:${ref.tag}`);
  if (summary.subject !== undefined) for (const key of subjectKeys(summary.subject)) keys.add(`w:${key}`);
  return [...keys];
}
