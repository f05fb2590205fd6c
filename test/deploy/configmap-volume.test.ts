/**
 * User policies reach the pod through a ConfigMap volume, which the kubelet lays out as symbolic
 * links into a hidden `..data` snapshot. The loader must find policies through those links, once.
 */
import t from 'tap';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/load-config.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';

t.test('policies in a ConfigMap volume layout are loaded once each', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kube-posture-cm-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const source = await readFile(fileURLToPath(new URL('./fixtures/policies/network/fx-ingress-tls/policy.yaml', import.meta.url)), 'utf8');
  // What the kubelet writes for items [{key: my-policy__policy.yaml, path: my-policy/policy.yaml}].
  await mkdir(join(dir, '..2026_01_01_00_00_00.000000001', 'my-policy'), { recursive: true });
  await writeFile(join(dir, '..2026_01_01_00_00_00.000000001', 'my-policy', 'policy.yaml'), source.replace('id: fx-ingress-tls', 'id: my-policy'));
  await symlink('..2026_01_01_00_00_00.000000001', join(dir, '..data'));
  await symlink(join('..data', 'my-policy'), join(dir, 'my-policy'));

  const ps = await buildPolicySet(parseConfig(`profile: none\npolicyDirectories: [${JSON.stringify(dir)}]\n`), { builtinDir: false });
  t.same([...ps.registry.policies.keys()], ['my-policy'], 'found through the link, not twice through ..data');
});
