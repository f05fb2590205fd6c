import t from 'tap';
import { Registry } from 'prom-client';
import { summarize } from '../core/vulnerabilities.js';
import { ImageScanCache } from './image-cache.js';
import { registerImageCacheMetrics } from './cache-metrics.js';

const scan = (image: string) => summarize(image, [], `VulnerabilityReport shop/${image}`, 'Trivy Operator', []);

t.test('hits, misses, evictions, size, bound and synced of the webhook\'s cache, as kube_posture_ metrics', async (t) => {
  const registry = new Registry();
  const cache = new ImageScanCache(2);
  let synced = false;
  registerImageCacheMetrics(registry, cache, () => synced);
  let text = await registry.metrics();
  t.match(text, /^kube_posture_vulnerability_cache_synced 0$/m);
  t.match(text, /^kube_posture_vulnerability_cache_hits_total 0$/m);
  t.match(text, /^kube_posture_vulnerability_cache_max_size 2$/m);
  for (const i of [1, 2, 3]) cache.set(scan(`app:${i}`));
  synced = true;
  cache.find('app:3');
  cache.find('app:2');
  cache.find('app:1');
  cache.find('app:9');
  text = await registry.metrics();
  t.match(text, /^kube_posture_vulnerability_cache_hits_total 2$/m);
  t.match(text, /^kube_posture_vulnerability_cache_misses_total 2$/m);
  t.match(text, /^kube_posture_vulnerability_cache_evictions_total 1$/m);
  t.match(text, /^kube_posture_vulnerability_cache_size 2$/m);
  t.match(text, /^kube_posture_vulnerability_cache_synced 1$/m);
  cache.find('app:3');
  text = await registry.metrics();
  t.match(text, /^kube_posture_vulnerability_cache_hits_total 3$/m, 'a counter: what was counted since the last scrape is added');
  t.match(text, /^kube_posture_vulnerability_cache_misses_total 2$/m);
});
