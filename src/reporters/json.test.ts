/**
 * `scan -o json` writes the saved scan in pieces (renderJsonChunks over scanDocumentStream); the text must be
 * the one the whole document gives (renderJson over scanDocument), byte for byte, on real reports: the
 * built-in policies over manifests, with problems, exemptions, kinds nothing inspects, a live scan's
 * scope and findings carrying every optional field.
 */
import t, { type Test } from 'tap';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config/load-config.js';
import { buildPolicySet, type PolicySet } from '../policy-set/policy-set.js';
import { applyBaseline, baselineOf } from '../results/baseline.js';
import type { Report } from '../results/model.js';
import { parseManifests, readManifests } from '../scan/manifests.js';
import { scanManifests } from '../scan/scan.js';
import { renderJson, renderJsonChunks } from './json.js';
import { scanDocument, scanDocumentStream } from './saved-scan.js';
import type { ScanDocument } from './scan-document.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const now = new Date('2026-12-06T00:00:00Z');
const source = { type: 'manifests', name: 'k8s' } as const;

/** Checks the pieces against the whole document, in small and default chunks; returns the document. */
function same(t: Test, report: Report, set: PolicySet, name: string): ScanDocument {
  const doc = scanDocument(report, set, { source, now });
  const whole = renderJson(doc);
  t.equal([...renderJsonChunks(scanDocumentStream(report, set, { source, now }))].join(''), whole, `${name}: the same bytes`);
  t.equal([...renderJsonChunks(scanDocumentStream(report, set, { source, now }), 256)].join(''), whole, `${name}: the same bytes in 256-character chunks`);
  t.equal(whole, JSON.stringify(doc, null, 2) + '\n');
  return doc;
}

const pod = (ns: string, name: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}${extra} }
spec:
  hostNetwork: true
  containers: [{ name: app, image: nginx, securityContext: { privileged: true } }]
---
`;

t.test('an empty report', async (t) => {
  const set = await buildPolicySet(parseConfig(''));
  const doc = same(t, scanManifests([], set), set, 'empty');
  t.same(doc.objects, []);
  t.same(doc.problems, []);
});

t.test('problems, exemptions and kinds nothing inspects', async (t) => {
  const set = await buildPolicySet(parseConfig(`
exemptions: { namespaces: [kube-system] }
policies:
  pss-host-namespaces: { exemptions: { namespaces: [monitoring] } }
  pss-privileged: { exemptions: { namespaces: [monitoring] } }
`));
  const text = pod('kube-system', 'proxy') + pod('monitoring', 'agent') + pod('shop', 'web') + 'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w, namespace: shop }\n';
  const { objects } = parseManifests(text, 'k8s.yaml');
  // A file that does not parse is refused whole: its problem comes beside the other file's objects.
  const { problems } = parseManifests('apiVersion: v1\nkind: [broken\n', 'broken.yaml');
  const doc = same(t, scanManifests(objects, set, { problems }), set, 'problems and exemptions');
  t.ok(doc.problems.length > 0 && doc.problems.some((p) => p.file === 'broken.yaml' && p.line !== undefined), 'a problem with its file and line');
  t.ok(doc.objects.some((o) => o.status === 'exempt' && o.exemptBy !== undefined), 'an exempt object');
  t.ok(doc.objects.some((o) => (o.policyExemptions?.length ?? 0) > 0), 'policy exemptions');
  t.same(doc.notInspected, { 'Widget.example.com': 1 });
});

t.test('findings with every optional field, baselined, and a live scan scope', async (t) => {
  const set = await buildPolicySet(parseConfig('profile: all\n'));
  const { objects, problems } = await readManifests([`${fixtures}context-manifests`, `${fixtures}manifests`]);
  const report = scanManifests(objects, set, { problems });
  // Half the findings in a baseline: `baselined: true` on those.
  const all = baselineOf(report);
  const baselined = applyBaseline(report, { ...all, findings: all.findings.filter((_, i) => i % 2 === 0) });
  const doc = same(t, baselined, set, 'findings');
  const findings = doc.objects.flatMap((o) => o.findings);
  for (const field of ['line', 'value', 'pssVersion', 'evidence', 'baselined'] as const) t.ok(findings.some((f) => f[field] !== undefined), `a finding with ${field}`);
  t.ok(doc.compliance.frameworks.some((f) => f.controls.some((c) => c.failing.length > 0)), 'failing resources in the compliance section');

  // What audit adds: the scope of a live scan, and objects that carry a uid and a cluster instead of a file.
  const live: Report = {
    ...report,
    objects: report.objects.map((o, i) => ({ ...o, ref: { apiVersion: o.ref.apiVersion, kind: o.ref.kind, name: o.ref.name, ...(o.ref.namespace !== undefined ? { namespace: o.ref.namespace } : {}), uid: `uid-${i}`, resourceVersion: String(i), ...(i % 2 === 0 ? { cluster: 'prod' } : {}) } })),
    scope: { cluster: 'prod', listed: { Pod: 3, 'Deployment.apps': 2 }, judgedThroughOwner: { Pod: 1 } },
  };
  const liveDoc = same(t, live, set, 'a live scan');
  t.equal(liveDoc.scope?.cluster, 'prod');
});
