/**
 * The real client-node informer against a minimal fake API server (list + watch of Namespaces),
 * to prove the wiring: list fills the cache and marks it synced, watch events update it.
 */
import t from 'tap';
import { createServer, type ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterNamespaceLabels } from '../../src/cluster/namespace-labels.js';
import { loadKubeConfig } from '../../src/cluster/kubeconfig.js';
import { createLogger } from '../../src/admission/logger.js';

t.test('clusterNamespaceLabels lists and watches /api/v1/namespaces', async (t) => {
  const watchers: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/v1/namespaces') {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      watchers.push(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '10' }, items: [{ metadata: { name: 'team-a', resourceVersion: '5', labels: { 'kube-posture.io/mode': 'audit' } } }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { for (const w of watchers) w.destroy(); server.closeAllConnections(); server.close(() => r()); }));
  const port = (server.address() as { port: number }).port;

  const dir = await mkdtemp(join(tmpdir(), 'kp-kc-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const kubeconfigFile = join(dir, 'config');
  await writeFile(kubeconfigFile, `apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: test}}]\ncontexts: [{name: fake, context: {cluster: fake, user: u}}]\ncurrent-context: fake\n`);
  const access = await loadKubeConfig({ kubeconfigFile, inCluster: false });
  t.ok(access && 'kc' in access, 'kubeconfig loaded');
  if (!access || !('kc' in access)) return;
  t.match(access.where, /context fake/);

  const source = await clusterNamespaceLabels(access.kc, access.where, { logger: createLogger({ level: 'silent' }) });
  await source.start();
  t.teardown(() => source.stop());
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    t.ok(cond(), what);
  };
  await until(() => source.synced(), 'synced after the list');
  t.same(source.labelsOf('team-a'), { 'kube-posture.io/mode': 'audit' });
  await until(() => watchers.length > 0, 'a watch is open');
  watchers[0]!.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'team-b', resourceVersion: '11', labels: { x: 'y' } } } }) + '\n');
  watchers[0]!.write(JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'team-a', resourceVersion: '12' } } }) + '\n');
  await until(() => source.labelsOf('team-b') !== undefined && source.labelsOf('team-a') === undefined, 'watch events applied');
  t.same(source.labelsOf('team-b'), { x: 'y' });

  t.same(await loadKubeConfig({ inCluster: false }), undefined, 'no kubeconfig and not in a cluster: no access');
  t.match(await loadKubeConfig({ kubeconfigFile: join(dir, 'missing'), inCluster: false }), { error: /./ }, 'an unreadable kubeconfig is reported, not thrown');
});
