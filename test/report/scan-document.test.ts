/**
 * The saved scan: what `scan -o json` and `audit -o json` really write validates against the published
 * JSON Schema (docs/schema/scan-v1.schema.json, read from disk with a fresh ajv), carries the source,
 * time, tool, policies and configuration digest, and the published file is the schema the code uses.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { schemaText, SCHEMA_FILE } from '../../scripts/gen-schema.js';
import { audit, fakeCluster } from '../helpers/audit-run.js';
import { FIXTURES } from '../helpers/policies.js';
import { runCli } from '../helpers/cli.js';

const published = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv);
const validate = ajv.compile(published);

type Doc = { apiVersion: string; source: { type: string; name: string }; generatedAt: string; tool: { version: string }; policySet: { configDigest: string; profile: string; policies: { id: string; origin: string; version: string }[] }; objects: { findings: unknown[] }[]; compliance: { frameworks: { id: string }[]; namespaces: { namespace: string }[] } };

t.test('the published schema is the one the code validates with (npm run docs:schema)', async (t) => {
  t.equal(readFileSync(SCHEMA_FILE, 'utf8'), schemaText());
});

t.test('scan -o json writes a saved scan that validates against the schema', async (t) => {
  const before = Date.now();
  const r = await runCli(['scan', join(FIXTURES, 'manifests'), '--policy-dir', join(FIXTURES, 'user-policies', 'good'), '-o', 'json']);
  t.equal(r.code, 1, 'findings that deny: exit 1');
  const doc = JSON.parse(r.stdout) as Doc;
  t.ok(validate(doc), `valid against the schema ${JSON.stringify(validate.errors ?? [])}`);
  t.equal(r.stdout, JSON.stringify(doc, null, 2) + '\n', 'written in pieces: the text of the whole document, indented by two');
  t.equal(doc.apiVersion, 'kube-posture.io/scan/v1');
  t.same(doc.source, { type: 'manifests', name: join(FIXTURES, 'manifests') });
  t.ok(Date.parse(doc.generatedAt) >= before - 1000 && Date.parse(doc.generatedAt) <= Date.now(), 'the time of the scan');
  t.match(doc.tool.version, /^\d+\.\d+\.\d+/);
  t.match(doc.policySet.configDigest, /^sha256:[0-9a-f]{64}$/);
  t.equal(doc.policySet.profile, 'recommended');
  t.ok(doc.policySet.policies.some((p) => p.origin === 'builtin' && p.version === doc.tool.version), 'built-in policies carry the tool version');
  t.ok(doc.policySet.policies.some((p) => p.origin === 'user' && /^sha256:[0-9a-f]{16}$/.test(p.version)), 'user policies carry a digest of their source');
  t.ok(doc.objects.some((o) => o.findings.length > 0));
  t.same(doc.compliance.frameworks.map((f) => f.id), ['pss-baseline', 'pss-restricted', 'cis-k8s', 'nsa', 'mitre']);
  t.ok(doc.compliance.namespaces.some((n) => n.namespace === 'shop'));

  const other = await runCli(['scan', join(FIXTURES, 'manifests'), '--profile', 'all', '-o', 'json']);
  t.not((JSON.parse(other.stdout) as Doc).policySet.configDigest, doc.policySet.configDigest, 'another configuration, another digest');
});

t.test('audit -o json writes a saved scan that validates against the schema', async (t) => {
  const { kubeconfig } = await fakeCluster(t, [
    { resource: 'namespaces', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: 'ns1', labels: { 'kubernetes.io/metadata.name': 'shop' } } } },
    { resource: 'pods', namespace: 'shop', object: { metadata: { name: 'p', namespace: 'shop', uid: 'p1', resourceVersion: '3' }, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'nginx:1.27', securityContext: { privileged: true } }] } } },
  ]);
  const r = await audit(kubeconfig, ['-o', 'json']);
  t.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as Doc & { scope: { cluster: string } };
  t.ok(validate(doc), `valid against the schema ${JSON.stringify(validate.errors ?? [])}`);
  t.equal(r.stdout, JSON.stringify(doc, null, 2) + '\n', 'written in pieces: the text of the whole document, indented by two');
  t.same(doc.source, { type: 'cluster', name: 'fake-context' });
  t.equal(doc.scope.cluster, 'fake-context');

  const html = await audit(kubeconfig, ['-o', 'html', '--output-file', '-']);
  t.equal(html.code, 1, 'audit -o html: the same exit code');
  t.match(html.stdout, /^<!doctype html>[\s\S]*<title>kube-posture report: fake-context<\/title>[\s\S]*id="kp-data"/, 'audit -o html writes the page directly');
  const md = await audit(kubeconfig, ['-o', 'markdown']);
  t.match(md.stdout, /^### kube-posture: fake-context\n/, 'and -o markdown its summary');
});

t.test('the schema refuses what is not a saved scan', async (t) => {
  const r = await runCli(['scan', join(FIXTURES, 'manifests', 'clean.yaml'), '-o', 'json']);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  t.ok(validate(doc));
  t.notOk(validate({ ...doc, apiVersion: 'v0' }), 'another format version');
  t.notOk(validate({ ...doc, objects: [{ kind: 'Pod' }] }), 'an object without its name and findings');
  const { generatedAt: _g, ...undated } = doc;
  t.notOk(validate(undated), 'no time');
});
