/**
 * The controller's current report (`/report`, `/report.json` on the ops port): the saved scan of the
 * results now and its HTML page, made on request and kept until the results change. Rebuilt at most once
 * per `minIntervalMs` however often the cluster changes, so a busy cluster and an open browser tab cost
 * one build per interval, not one per change (the page may then be up to that interval behind).
 */
import { renderHtml } from '../reporters/html/render.js';
import { renderJson } from '../reporters/json.js';
import type { ScanDocument } from '../reporters/scan-document.js';

export interface ReportCacheOptions {
  /** The saved scan of the results now; undefined while there is nothing whole to show (not ready). */
  build(): ScanDocument | undefined;
  minIntervalMs: number;
  now?: () => number;
}

interface Built {
  version: number;
  at: number;
  doc: ScanDocument;
  json?: string;
  html?: string;
}

export class ReportCache {
  private version = 0;
  private built: Built | undefined;
  /** How many times the document was built (for tests and the log). */
  builds = 0;

  constructor(private readonly options: ReportCacheOptions) {}

  /** The results changed: the next request after the interval builds anew. */
  changed(): void {
    this.version++;
  }

  json(): string | undefined {
    const b = this.current();
    if (!b) return undefined;
    return (b.json ??= renderJson(b.doc));
  }

  html(): string | undefined {
    const b = this.current();
    if (!b) return undefined;
    return (b.html ??= renderHtml([b.doc]));
  }

  private current(): Built | undefined {
    const now = (this.options.now ?? Date.now)();
    const b = this.built;
    if (b && (b.version === this.version || now - b.at < this.options.minIntervalMs)) return b;
    const version = this.version;
    const doc = this.options.build();
    if (!doc) return undefined;
    this.builds++;
    this.built = { version, at: now, doc };
    return this.built;
  }
}
