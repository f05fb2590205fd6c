/**
 * `scan -o sarif` writes the log in pieces (sarifChunks, one result at a time); the text must be the one
 * renderSarif gives for the whole log, byte for byte, on real reports: file objects under and outside
 * the SARIF root, cluster objects (no file), baselined findings, exempt objects, problems, kinds nothing
 * inspects, and nothing at all.
 */
import t, { type Test } from 'tap';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config/load-config.js';
import { buildPolicySet, type PolicySet } from '../policy-set/policy-set.js';
import { applyBaseline, baselineOf } from '../results/baseline.js';
import type { Report } from '../results/model.js';
import { parseManifests, readManifests } from '../scan/manifests.js';
import { scanManifests } from '../scan/scan.js';
import { renderSarif, sarifChunks, type SarifOptions } from './sarif.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

type Log = { runs: { results: { suppressions?: unknown[]; locations: { physicalLocation?: unknown }[] }[]; invocations: { toolExecutionNotifications?: unknown[] }[]; properties?: { exempt?: unknown[]; notInspected?: unknown } }[] };

function same(t: Test, report: Report, set: PolicySet, options: SarifOptions, name: string): Log {
  const whole = renderSarif(report, set.registry, '1.2.3', options);
  t.equal([...sarifChunks(report, set.registry, '1.2.3', options)].join(''), whole, `${name}: the same bytes`);
  const log = JSON.parse(whole) as Log;
  t.equal(log.runs[0]!.results.length, report.objects.reduce((n, o) => n + o.findings.length, 0), `${name}: one result per finding`);
  return log;
}

t.test('an empty report', async (t) => {
  const set = await buildPolicySet(parseConfig(''));
  same(t, scanManifests([], set), set, {}, 'empty');
});

t.test('files under and outside the root, baselined findings, cluster objects', async (t) => {
  const set = await buildPolicySet(parseConfig('profile: all\n'));
  const { objects, problems } = await readManifests([`${fixtures}context-manifests`, `${fixtures}manifests`]);
  const report = scanManifests(objects, set, { problems });
  const all = baselineOf(report);
  const baselined = applyBaseline(report, { ...all, findings: all.findings.filter((_, i) => i % 2 === 0) });
  const log = same(t, baselined, set, { root: `${fixtures}manifests` }, 'files');
  t.ok(log.runs[0]!.results.some((r) => r.suppressions !== undefined), 'a suppressed (baselined) result');
  same(t, baselined, set, {}, 'no root');
  const live: Report = { ...report, objects: report.objects.map((o, i) => ({ ...o, ref: { apiVersion: o.ref.apiVersion, kind: o.ref.kind, name: o.ref.name, uid: `uid-${i}`, resourceVersion: '1' } })) };
  const liveLog = same(t, live, set, {}, 'cluster objects');
  t.ok(liveLog.runs[0]!.results.every((r) => r.locations[0]!.physicalLocation === undefined), 'no physical location without a file');
});

t.test('exempt objects, problems and kinds nothing inspects', async (t) => {
  const set = await buildPolicySet(parseConfig('exemptions: { namespaces: [kube-system] }\n'));
  const pod = (ns: string) => `apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: ${ns} }\nspec:\n  containers: [{ name: app, image: nginx, securityContext: { privileged: true } }]\n---\n`;
  const { objects } = parseManifests(pod('kube-system') + pod('shop') + 'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n', 'k8s.yaml');
  const { problems } = parseManifests('kind: [broken\n', 'broken.yaml');
  const log = same(t, scanManifests(objects, set, { problems }), set, {}, 'exempt and problems');
  t.equal(log.runs[0]!.properties?.exempt?.length, 1, 'the exempt object listed');
  t.ok(log.runs[0]!.properties?.notInspected !== undefined, 'kinds nothing inspects');
  t.equal(log.runs[0]!.invocations[0]!.toolExecutionNotifications?.length, 1, 'the problem as a notification');
});
