import { objectAt } from './scanner-cluster.js';
import { extractSummary } from '../src/core/view/extract.js';
import { objectIdOf } from '../src/core/view/ids.js';
import { ClusterViewBuilder } from '../src/core/view/builder.js';
const heap = () => { (global as any).gc(); (global as any).gc(); return process.memoryUsage().heapUsed; };
const N = 10000;
const objs = Array.from({ length: N }, (_, i) => JSON.parse(JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', ...objectAt('deployments.apps', i, 0, 1000) })));
const pool = new Map<string, string>(); const intern = (s: string) => { const k = pool.get(s); if (k !== undefined) return k; pool.set(s, s); return s; };
for (const mode of ['ids', 'summaries', 'summaries-interned', 'builder']) {
  const h0 = heap();
  let keep: unknown;
  if (mode === 'ids') keep = objs.map((o) => objectIdOf(o));
  else if (mode === 'summaries') keep = objs.map((o) => extractSummary(o, objectIdOf(o)!));
  else if (mode === 'summaries-interned') keep = objs.map((o) => extractSummary(o, objectIdOf(o)!, intern));
  else { const b = new ClusterViewBuilder(); for (const o of objs) b.add(o); keep = b; }
  (globalThis as any)[mode] = keep;
  console.log(mode, ((heap() - h0) / N).toFixed(0), 'bytes each');
}
