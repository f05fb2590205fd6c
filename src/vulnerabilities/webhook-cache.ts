/**
 * The webhook's VulnerabilityReport cache, kept current by a reflector (list, then watch): each report
 * is read into its image's summary (never kept whole) and put in the bounded ImageScanCache. A
 * malformed report is logged by name and not used (its image has no result: the missing-report policy
 * judges it). VulnerabilityReports not served or forbidden: logged once, retried with backoff.
 */
import type { Logger } from 'pino';
import { ApiError, type ApiClient } from '../cluster/api.js';
import { Reflector } from '../cluster/reflector.js';
import { errorMessage } from '../core/errors.js';
import type { VulnerabilityLookup } from '../core/vulnerabilities.js';
import { ImageScanCache } from './image-cache.js';
import { parseVulnerabilityReport, reportName, VULNERABILITY_REPORT_KIND } from './vulnerability-report.js';

export interface WebhookVulnerabilityCache {
  lookup: VulnerabilityLookup;
  cache: ImageScanCache;
  /** True once a whole listing went in. */
  synced(): boolean;
  start(): void;
  stop(): Promise<void>;
}

export function webhookVulnerabilityCache(api: ApiClient, options: { maxImages: number; logger: Logger; pageSize?: number; initialBackoffMs?: number }): WebhookVulnerabilityCache {
  const cache = new ImageScanCache(options.maxImages);
  const log = options.logger;
  let synced = false;
  let noted = '';
  const put = (object: Record<string, unknown>) => {
    try {
      cache.set(parseVulnerabilityReport(object).summary);
    } catch (err) {
      log.warn({ report: reportName(object), err: errorMessage(err) }, 'VulnerabilityReport not used: its image has no result');
    }
  };
  const reflector = new Reflector(api, VULNERABILITY_REPORT_KIND, {
    onListStart: () => cache.listStart(),
    onObject: put,
    onDelete: (object) => {
      try {
        cache.delete(parseVulnerabilityReport(object).summary);
      } catch {
        // A malformed report was never in the cache.
      }
    },
    onListEnd: () => {
      // Reports deleted while the watch was down are not in the relisting: their entries go.
      cache.listEnd();
      if (!synced) log.info({ entries: cache.size, maxImages: options.maxImages }, 'VulnerabilityReport cache listed');
      synced = true;
      noted = '';
    },
    onRestart: (reason, err) => {
      if (reason !== 'error') return;
      const status = err instanceof ApiError ? err.status : 0;
      const note = status === 404 ? 'VulnerabilityReports (aquasecurity.github.io/v1alpha1) are not served: install Trivy Operator; meanwhile every image has no result'
        : status === 403 ? 'cannot list VulnerabilityReports: forbidden (grant get, list and watch on vulnerabilityreports.aquasecurity.github.io)'
          : `cannot list or watch VulnerabilityReports: ${errorMessage(err)}`;
      if (note !== noted) log.warn({ status }, note);
      noted = note;
    },
  }, {
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.initialBackoffMs ? { initialBackoffMs: options.initialBackoffMs } : {}),
  });
  return { lookup: cache.lookup(), cache, synced: () => synced, start: () => reflector.start(), stop: () => reflector.stop() };
}
