/**
 * Metrics of the webhook's VulnerabilityReport cache, registered on the webhook's registry. The cache
 * counts in plain fields (a lookup is on the review path); the counters take the difference when
 * scraped, as src/admission/metrics.ts does for reviews.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ImageScanCache } from './image-cache.js';

export function registerImageCacheMetrics(registry: Registry, cache: ImageScanCache, synced: () => boolean, prefix = 'kube_posture_'): void {
  const counted = { hits: 0, misses: 0, evicted: 0 };
  // Each counter adds what the cache counted since its last scrape.
  const delta = (counter: Counter, field: 'hits' | 'misses' | 'evicted'): void => {
    const now = cache[field];
    if (now > counted[field]) counter.inc(now - counted[field]);
    counted[field] = now;
  };
  const hits: Counter = new Counter({ name: `${prefix}vulnerability_cache_hits_total`, help: 'Image lookups in the VulnerabilityReport cache that found a result (each vulnerability policy looks up each container\'s image).', registers: [registry], collect: () => delta(hits, 'hits') });
  const misses: Counter = new Counter({ name: `${prefix}vulnerability_cache_misses_total`, help: 'Image lookups in the VulnerabilityReport cache that found none: the image has no result (image-vulnerability-report-missing judges it).', registers: [registry], collect: () => delta(misses, 'misses') });
  const evictions: Counter = new Counter({ name: `${prefix}vulnerability_cache_evictions_total`, help: 'Entries pushed out of the VulnerabilityReport cache by its bound (vulnerabilities.webhookCache.maxImages), least recently used first.', registers: [registry], collect: () => delta(evictions, 'evicted') });
  const size: Gauge = new Gauge({ name: `${prefix}vulnerability_cache_size`, help: 'Entries in the VulnerabilityReport cache (an image counts once per digest, once per reference, once per scanned workload container and again for a ReplicaSet as its Deployment).', registers: [registry], collect: () => size.set(cache.size) });
  const max: Gauge = new Gauge({ name: `${prefix}vulnerability_cache_max_size`, help: 'The bound of the VulnerabilityReport cache (vulnerabilities.webhookCache.maxImages).', registers: [registry], collect: () => max.set(cache.maxEntries) });
  const listed: Gauge = new Gauge({ name: `${prefix}vulnerability_cache_synced`, help: '1 once the VulnerabilityReports were listed into the cache, 0 before (every image then has no result).', registers: [registry], collect: () => listed.set(synced() ? 1 : 0) });
}
