/**
 * The webhook's cache of image scan results: image digest and normalised reference -> the summary of
 * the latest VulnerabilityReport that names it. Bounded by entries, least recently used out first: an
 * image the cluster stopped running (or never admits) makes room. An image not in the cache (never
 * seen, or pushed out) has no result: `image-vulnerability-report-missing` judges it, so it is never
 * silently allowed or denied. Pure: fed by a reflector (src/cli/serve-command.ts).
 */
import { digestOf, normalizeImageRef, type ImageScanSummary, type VulnerabilityLookup } from '../core/vulnerabilities.js';

export class ImageScanCache {
  /** `d:sha256:…` and `r:name:tag` -> summary; Map order is use order (oldest first). */
  private readonly entries = new Map<string, ImageScanSummary>();
  /** Entries pushed out by the bound since start. */
  evicted = 0;

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** A report's summary: each of its keys now points to it (a later report of the same image wins). */
  set(summary: ImageScanSummary): void {
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

  /** As the core's index finds: by the pulled digest, a pinned digest, else the normalised reference (never by tag when pinned). */
  find(image: string, imageID?: string): ImageScanSummary | undefined {
    for (const candidate of [imageID, image]) {
      const digest = digestOf(candidate);
      if (digest !== undefined) {
        const hit = this.touch(`d:${digest}`);
        if (hit) return hit;
      }
    }
    const ref = normalizeImageRef(image);
    if (ref === undefined || ref.digest !== undefined || ref.tag === undefined) return undefined;
    return this.touch(`r:${ref.name}:${ref.tag}`);
  }

  /** The lookup the policies see, with "now" for expiring allow-list entries. */
  lookup(now: () => Date = () => new Date()): VulnerabilityLookup {
    const find = (image: string, imageID?: string) => this.find(image, imageID);
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
  for (const d of [...summary.digests, summary.image]) {
    const digest = digestOf(d);
    if (digest !== undefined) keys.add(`d:${digest}`);
  }
  const ref = normalizeImageRef(summary.image);
  if (ref?.tag !== undefined) keys.add(`r:${ref.name}:${ref.tag}`);
  return [...keys];
}
