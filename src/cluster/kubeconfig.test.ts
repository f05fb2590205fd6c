import t from 'tap';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterEnvironment, loadKubeConfig } from './kubeconfig.js';

const kubeconfig = (contexts: string[], current: string): string => `apiVersion: v1
kind: Config
clusters:
${contexts.map((c) => `- name: ${c}\n  cluster:\n    server: https://${c}.example:6443`).join('\n')}
users:
- name: u
  user:
    token: t
contexts:
${contexts.map((c) => `- name: ${c}\n  context:\n    cluster: ${c}\n    user: u`).join('\n')}
current-context: ${current}
`;

t.test('clusterEnvironment: flag, then in-cluster, then KUBECONFIG, then ~/.kube/config', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-kubeconfig-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  await mkdir(join(home, '.kube'), { recursive: true });
  await writeFile(join(home, '.kube', 'config'), kubeconfig(['a'], 'a'));
  const other = join(dir, 'other');
  await writeFile(other, kubeconfig(['b'], 'b'));
  const sa = join(dir, 'sa');
  await mkdir(sa);
  await writeFile(join(sa, 'token'), 'x');
  await writeFile(join(sa, 'namespace'), 'kube-posture\n');

  t.same(clusterEnvironment({}, { home, saDir: sa }), { kubeconfigFile: join(home, '.kube', 'config'), inCluster: false });
  t.same(clusterEnvironment({ KUBECONFIG: `${join(dir, 'missing')}:${other}` }, { home, saDir: sa }), { kubeconfigFile: other, inCluster: false }, 'first existing KUBECONFIG entry');
  t.same(clusterEnvironment({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, { home, saDir: sa }), { inCluster: true, saNamespace: 'kube-posture' }, 'in a pod: the service account');
  t.same(clusterEnvironment({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, { home, saDir: sa, kubeconfig: other }), { kubeconfigFile: other, inCluster: true, saNamespace: 'kube-posture' }, 'an explicit flag wins');
  t.same(clusterEnvironment({}, { home: join(dir, 'nohome'), saDir: sa }), { inCluster: false }, 'nothing: no access');
});

t.test('loadKubeConfig: --context picks a context; an unknown one is an error, not a silent default', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-kubeconfig-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config');
  await writeFile(file, kubeconfig(['a', 'b'], 'a'));
  const current = await loadKubeConfig({ kubeconfigFile: file, inCluster: false });
  t.ok(current && 'kc' in current && current.kc.getCurrentCluster()?.server === 'https://a.example:6443');
  const picked = await loadKubeConfig({ kubeconfigFile: file, inCluster: false, context: 'b' });
  t.ok(picked && 'kc' in picked && picked.kc.getCurrentCluster()?.server === 'https://b.example:6443');
  t.match(picked, { where: /context b/ });
  t.match(await loadKubeConfig({ kubeconfigFile: file, inCluster: false, context: 'c' }), { error: /no context "c"/ });
});
