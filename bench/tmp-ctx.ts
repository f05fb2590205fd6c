import { fork } from 'node:child_process';
import { apiClientFor, listObjects } from '../src/cluster/api.js';
import { KubeConfig } from '@kubernetes/client-node';
import { buildPolicySet } from '../src/policy-set/policy-set.js';
import { defaultConfig } from '../src/config/load-config.js';
import { ClusterViewBuilder } from '../src/core/view/builder.js';
import { KNOWN_KINDS } from '../src/core/kinds.js';
import { listingOrder } from '../src/live/audit.js';
import { evaluateContext } from '../src/core/context.js';
const server = fork(new URL('./scanner-server.js', import.meta.url).pathname, [], { stdio: ['ignore','inherit','inherit','ipc'] });
const url: string = await new Promise((r) => server.on('message', (m: any) => m.type === 'ready' && r(m.url)));
const kc = new KubeConfig();
kc.loadFromOptions({ clusters: [{ name: 'b', server: url, skipTLSVerify: true }], users: [{ name: 'u', token: 'x' }], contexts: [{ name: 'c', cluster: 'b', user: 'u' }], currentContext: 'c' });
const api = apiClientFor(kc);
const set = await buildPolicySet(defaultConfig(), { profile: 'recommended' });
const b = new ClusterViewBuilder({ complete: 'all' });
for (const k of listingOrder([...KNOWN_KINDS])) for await (const o of listObjects(api, k)) b.add(o);
server.kill();
let t = performance.now();
const view = b.build();
console.log('build', (performance.now() - t).toFixed(0), 'ms');
const ids = set.engine.enabled.filter((e) => set.engine.policies.get(e.id)?.registered.policy.target === 'cluster').map((e) => e.id);
for (const id of ids.filter((i) => !process.env.ONLY || i === process.env.ONLY)) {
  const engine = { ...set.engine, enabled: set.engine.enabled.filter((e) => e.id === id) };
  t = performance.now();
  const r = evaluateContext(view, set.registry, engine);
  console.log(id, (performance.now() - t).toFixed(0), 'ms', r.findings.length, 'findings');
}
process.exit(0);
