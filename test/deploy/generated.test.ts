/**
 * Generated files match a fresh generation: rules.json from the policy library, values.schema.json
 * from the configuration schema, the README values table, and the plain manifests from the chart.
 * On failure: npm run gen:manifests.
 */
import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generatedFiles, PLAIN_DIR, README_FILE } from '../../scripts/manifests/generate.js';
import { REPO_ROOT } from '../../scripts/manifests/helm.js';
import { configSchema } from '../../src/config/schema.js';
import { findHelm, parseManifests } from './render.js';

if (!(await findHelm())) {
  t.fail('helm not found: npm test builds it first (its pretest script runs scripts/install-helm.sh); run that script when running test files directly');
  process.exit(1);
}

const files = await generatedFiles(await readFile(join(REPO_ROOT, README_FILE), 'utf8'));

t.test('every generated file is up to date (run npm run gen:manifests)', async (t) => {
  for (const [path, text] of files) {
    const onDisk = await readFile(join(REPO_ROOT, path), 'utf8').catch(() => '(missing)');
    t.equal(onDisk, text, path);
  }
  const plain = (await readdir(join(REPO_ROOT, PLAIN_DIR))).filter((f) => f.endsWith('.yaml')).map((f) => `${PLAIN_DIR}/${f}`);
  t.same(plain.filter((f) => !files.has(f)), [], 'no stale plain manifests');
});

t.test('the kustomization lists every plain manifest, namespace first', async (t) => {
  const k = parse(files.get(`${PLAIN_DIR}/kustomization.yaml`)!) as { resources: string[]; namespace: string };
  const listed = k.resources.map((r) => `${PLAIN_DIR}/${r}`).sort();
  const present = [...files.keys()].filter((f) => f.startsWith(`${PLAIN_DIR}/`) && !f.endsWith('kustomization.yaml')).sort();
  t.same(listed, present);
  t.equal(k.resources[0], 'namespace.yaml');
  const kinds = new Set(present.flatMap((f) => parseManifests(files.get(f)!).map((o) => o.kind)));
  for (const kind of ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'Service', 'PodDisruptionBudget', 'Issuer', 'Certificate']) t.ok(kinds.has(kind), `plain manifests hold a ${kind}`);
  for (const f of present) for (const o of parseManifests(files.get(f)!)) t.notOk(o.metadata.labels?.['helm.sh/chart'], `${f}: ${o.kind} carries no Helm label`);
});

t.test('values.schema.json mirrors the configuration schema', async (t) => {
  const schema = JSON.parse(files.get('charts/kube-posture/values.schema.json')!) as { properties: Record<string, { properties?: Record<string, unknown>; enum?: unknown[] }> };
  const { profile: _p, mode, policyDirectories: _d, ...rest } = configSchema.properties;
  t.same(schema.properties.config!.properties, JSON.parse(JSON.stringify(rest)), 'config: every key of the file schema but profile, mode and policyDirectories');
  t.same(schema.properties.mode!.enum, mode.enum, 'mode');
});
