/**
 * The report CRDs in the chart: the OpenReports ones come with every install (crds/, which Helm
 * installs when absent and never deletes); the wgpolicyk8s.io ones only when a value asks, kept on
 * uninstall, and equal to the published files they are read from.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, findHelm, renderChart, type K8sObject } from './render.js';

if (!(await findHelm())) {
  t.fail('helm not found: run scripts/install-helm.sh');
  process.exit(1);
}

const OPENREPORTS = ['clusterreports.openreports.io', 'reports.openreports.io'];
const WGPOLICY = ['clusterpolicyreports.wgpolicyk8s.io', 'policyreports.wgpolicyk8s.io'];
const crdNames = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort();
const INCLUDE_CRDS = { args: ['--include-crds'] };

t.test('default: the OpenReports CRDs, no wgpolicy ones', async (t) => {
  t.same(crdNames(await renderChart({}, INCLUDE_CRDS)), OPENREPORTS);
  // Without --include-crds (what gen:manifests renders), crds/ stays out: the plain manifests do not change.
  t.same(crdNames(await renderChart({})), [], 'crds/ is not part of the templates');
});

t.test('reports.wgpolicy.installCRDs: the published wgpolicy CRDs, labelled and kept on uninstall', async (t) => {
  const objects = await renderChart({ reports: { wgpolicy: { installCRDs: true } } }, INCLUDE_CRDS);
  t.same(crdNames(objects), [...WGPOLICY, ...OPENREPORTS].sort());
  for (const name of WGPOLICY) {
    const crd = objects.find((o) => o.metadata.name === name)!;
    t.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep', `${name}: uninstall does not delete every PolicyReport`);
    t.equal(crd.metadata.labels?.['app.kubernetes.io/part-of'], 'kube-posture', `${name}: the chart's labels`);
    const file = `files/crds/wgpolicyk8s.io_${name.split('.')[0]}.yaml`;
    const published = parse(readFileSync(join(CHART_DIR, file), 'utf8')) as K8sObject;
    t.same(crd.spec, published.spec, `${name}: spec exactly as published (${file})`);
    t.ok((crd.spec as { versions: { name: string }[] }).versions.some((v) => v.name === 'v1alpha2'), `${name}: serves v1alpha2, the version kube-posture writes`);
  }
  t.same(crdNames(await renderChart({ reports: { wgpolicy: { installCRDs: false } } }, INCLUDE_CRDS)), OPENREPORTS, 'false: none');
});

t.test('the value is checked by the schema', async (t) => {
  await t.rejects(renderChart({ reports: { wgpolicy: { installCRDs: 'yes' } } }), /values don't meet the specifications of the schema/);
  await t.rejects(renderChart({ reports: { openreports: {} } }), /values don't meet the specifications of the schema/);
});

t.test('every CRD file names its source and commit', async (t) => {
  for (const file of ['crds/openreports.io_reports.yaml', 'crds/openreports.io_clusterreports.yaml', 'files/crds/wgpolicyk8s.io_policyreports.yaml', 'files/crds/wgpolicyk8s.io_clusterpolicyreports.yaml']) {
    const head = readFileSync(join(CHART_DIR, file), 'utf8').split('\n').slice(0, 4).join('\n');
    t.match(head, /# From https:\/\/github\.com\/[\w-]+\/[\w-]+ at commit [0-9a-f]{40},\n# path \S+\.yaml/, file);
  }
});
