import { fork } from 'node:child_process';
import { apiClientFor } from '../src/cluster/api.js';
import { KubeConfig } from '@kubernetes/client-node';
import { buildPolicySet } from '../src/policy-set/policy-set.js';
import { defaultConfig } from '../src/config/load-config.js';
import { auditCluster } from '../src/live/audit.js';
import { ClusterViewBuilder } from '../src/core/view/builder.js';
import { listObjects } from '../src/cluster/api.js';
import { KNOWN_KINDS } from '../src/core/kinds.js';
import { listingOrder } from '../src/live/audit.js';
import { complianceOf } from '../src/cli/report-output.js';
const server = fork(new URL('./scanner-server.js', import.meta.url).pathname, [], { stdio: ['ignore','inherit','inherit','ipc'] });
const url: string = await new Promise((r) => server.on('message', (m: any) => m.type === 'ready' && r(m.url)));
const kc = new KubeConfig();
kc.loadFromOptions({ clusters: [{ name: 'b', server: url, skipTLSVerify: true }], users: [{ name: 'u', token: 'x' }], contexts: [{ name: 'c', cluster: 'b', user: 'u' }], currentContext: 'c' });
const api = apiClientFor(kc);
const set = await buildPolicySet(defaultConfig(), { profile: 'recommended' });
const heap = () => { (global as any).gc(); (global as any).gc(); return process.memoryUsage().heapUsed / 1048576; };
const h0 = heap();
const what = process.argv[2];
if (what === 'view') {
  const b = new ClusterViewBuilder();
  for (const k of listingOrder([...KNOWN_KINDS]).filter((k) => !process.env.KINDS || process.env.KINDS.split(',').includes(k.kind))) for await (const o of listObjects(api, k)) b.add(o);
  console.log('builder', (heap() - h0).toFixed(1));
  const v = b.build();
  console.log('builder+view', (heap() - h0).toFixed(1));
  (globalThis as any).keep = [b, v];
  if (process.env.SNAP) { (await import('node:v8')).writeHeapSnapshot(process.env.SNAP); }
} else {
  const t = Date.now();
  const [report] = await auditCluster(api, [{ set }], { cluster: 'c' });
  console.log('audit report retained', (heap() - h0).toFixed(1), 'objects', report!.objects.length, 'findings', report!.objects.reduce((a, o) => a + o.findings.length, 0), 'ms', Date.now() - t, JSON.stringify(report!.scope));
  const uniq = new Map<string, Set<unknown>>(); const tot = new Map<string, number>();
  for (const o of report!.objects) for (const f of o.findings) { const k = f.policyId; if (!uniq.has(k)) uniq.set(k, new Set()); uniq.get(k)!.add(f); tot.set(k, (tot.get(k) ?? 0) + 1); }
  for (const [k, u] of uniq) console.log(k, 'total', tot.get(k), 'distinct objects', u.size, 'sample bytes', JSON.stringify([...u][0]).length, k === 'workload-token-secret-access' || k === 'netpol-namespace-without-policy' ? JSON.stringify([...u][0]) : '');
  const vs = new Set<unknown>(); let vlen = 0; const fs = new Set<unknown>(); let flen = 0; const fa = new Set<unknown>(); let falen = 0;
  for (const o of report!.objects) { if (!vs.has(o.verdict)) { vs.add(o.verdict); vlen += (o.verdict.message ?? '').length; } for (const f of o.findings) if (!fs.has(f)) { fs.add(f); flen += f.message.length + f.path.length; } if (!fa.has(o.findings)) { fa.add(o.findings); falen += o.findings.length; } }
  console.log('verdicts', vs.size, vlen, 'findings', fs.size, flen, 'finding arrays', fa.size, falen);
  const c = complianceOf(report!, set);
  console.log('compliance', (heap() - h0).toFixed(1), c.frameworks.reduce((a, f) => a + f.controls.reduce((b, x) => b + x.failing.length, 0), 0));
  (globalThis as any).keep = [report, c];
  if (process.env.SNAP) { (await import('node:v8')).writeHeapSnapshot(process.env.SNAP); }
}
server.kill();
process.exit(0);
