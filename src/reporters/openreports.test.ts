import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { decide } from '../core/decide.js';
import type { EngineResult } from '../core/engine.js';
import type { Finding } from '../core/types.js';
import { buildReport, objectResult } from '../results/build.js';
import type { ClusterRef, FileRef, ObjectResult } from '../results/model.js';
import { ANNOTATION_OMITTED, notRepresentable, registryPolicyInfo, renderOpenReports, toReportObject, type ReportOptions } from './openreports.js';

const NOW = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678));
const TS = { seconds: 1735787045, nanos: 678_000_000 };
const UID = '6f1c2a9e-58a4-4c3e-9d0b-2b7d7f3e1a10';

function finding(over: Partial<Finding>): Finding {
  return { kind: 'violation', policyId: 'p', title: 't', severity: 'high', category: 'pod-security', action: 'deny', message: 'm', path: '', remediation: 'r', controls: [], ...over };
}
const engine = (over: Partial<EngineResult>): EngineResult => ({ findings: [], outcomes: [], mode: 'enforce', notes: [], ...over });
const deployRef: ClusterRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop', uid: UID, resourceVersion: '4711' };
const result = (ref: ClusterRef | FileRef, e: EngineResult): ObjectResult => objectResult(ref, e, decide(e));
const opts = (over: Partial<ReportOptions> = {}): ReportOptions => ({ now: NOW, ...over });

const denied = engine({
  findings: [
    finding({ policyId: 'disallow-latest-tag', severity: 'medium', category: 'workload', action: 'warn', message: 'container "app" uses the latest tag', path: 'spec.template.spec.containers[0].image', value: 'nginx:latest' }),
    finding({ policyId: 'pss-privileged', severity: 'critical', message: 'container "app": securityContext.privileged must be false', path: 'spec.template.spec.containers[0].securityContext.privileged', controls: ['pss:baseline/privileged', 'cis-k8s:5.2.2'], pssVersion: 'v1.31', value: true }),
    finding({ policyId: 'require-probes', severity: 'low', category: 'workload', action: 'audit', message: 'container "app" has no readinessProbe', path: 'spec.template.spec.containers[0]' }),
    finding({ kind: 'error', policyId: 'team-labels', severity: 'info', category: 'custom', action: 'warn', message: 'policy failed: boom' }),
  ],
  outcomes: [
    { policyId: 'disallow-latest-tag', outcome: 'fail' }, { policyId: 'pss-privileged', outcome: 'fail' }, { policyId: 'require-probes', outcome: 'fail' },
    { policyId: 'team-labels', outcome: 'error' }, { policyId: 'pss-host-namespaces', outcome: 'pass' }, { policyId: 'no-host-ports', outcome: 'skip', reason: 'namespace shop' },
  ],
});

t.test('a denied Deployment: one Report in its namespace, named and owned by uid, results most important first', async (t) => {
  t.same(toReportObject(result(deployRef, denied), opts()), {
    apiVersion: 'openreports.io/v1alpha1',
    kind: 'Report',
    metadata: {
      name: `kube-posture-${UID}`,
      namespace: 'shop',
      labels: { 'app.kubernetes.io/managed-by': 'kube-posture', 'kube-posture.io/resource-uid': UID },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: UID }],
    },
    source: 'kube-posture',
    configuration: { limits: { maxResults: 500, statusFilter: ['fail', 'warn', 'error', 'skip'] } },
    scope: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop', uid: UID },
    summary: { pass: 0, fail: 1, warn: 2, error: 1, skip: 1 },
    results: [
      { source: 'kube-posture', policy: 'pss-privileged', rule: 'pss-privileged', result: 'fail', scored: true, timestamp: TS, severity: 'critical', category: 'pod-security', message: 'container "app": securityContext.privileged must be false', properties: { action: 'deny', path: 'spec.template.spec.containers[0].securityContext.privileged', controls: 'pss:baseline/privileged,cis-k8s:5.2.2', pssVersion: 'v1.31' } },
      { source: 'kube-posture', policy: 'team-labels', rule: 'team-labels', result: 'error', scored: true, timestamp: TS, severity: 'info', category: 'custom', message: 'policy failed: boom', properties: { action: 'warn' } },
      { source: 'kube-posture', policy: 'disallow-latest-tag', rule: 'disallow-latest-tag', result: 'warn', scored: false, timestamp: TS, severity: 'medium', category: 'workload', message: 'container "app" uses the latest tag', properties: { action: 'warn', path: 'spec.template.spec.containers[0].image' } },
      { source: 'kube-posture', policy: 'require-probes', rule: 'require-probes', result: 'warn', scored: false, timestamp: TS, severity: 'low', category: 'workload', message: 'container "app" has no readinessProbe', properties: { action: 'audit', path: 'spec.template.spec.containers[0]' } },
      { source: 'kube-posture', policy: 'no-host-ports', rule: 'no-host-ports', result: 'skip', scored: true, timestamp: TS, message: 'exempt: namespace shop', properties: { reason: 'namespace shop' } },
    ],
  });
});

t.test('pass results only when asked, described from the registry when it knows the policy', async (t) => {
  const info = (id: string) => (id === 'pss-host-namespaces' ? { severity: 'high' as const, category: 'pod-security', controls: ['pss:baseline/hostNamespaces'] } : undefined);
  const o = toReportObject(result(deployRef, denied), opts({ includePass: true, policyInfo: info }));
  t.same(o.summary, { pass: 1, fail: 1, warn: 2, error: 1, skip: 1 });
  t.same(o.results.at(-1), { source: 'kube-posture', policy: 'pss-host-namespaces', rule: 'pss-host-namespaces', result: 'pass', scored: true, timestamp: TS, severity: 'high', category: 'pod-security', properties: { controls: 'pss:baseline/hostNamespaces' } });
  t.same(o.configuration?.limits.statusFilter, ['pass', 'fail', 'warn', 'error', 'skip'], 'the contract says passes are listed');
  t.equal(o.results.find((r) => r.policy === 'no-host-ports')?.severity, undefined, 'a policy the lookup does not know gets no severity rather than a made-up one');
  const registry = { policies: new Map([['pss-host-namespaces', { policy: { severity: 'high', category: 'pod-security', controls: ['pss:baseline/hostNamespaces'] } }]]) } as never;
  t.same(registryPolicyInfo(registry)('pss-host-namespaces'), info('pss-host-namespaces'), 'the registry answers the same');
  t.equal(registryPolicyInfo(registry)('unknown'), undefined);
});

t.test('an exempt object: one skip result with the reason, under a pseudo-policy no real id can take', async (t) => {
  const ref: ClusterRef = { apiVersion: 'v1', kind: 'Pod', name: 'coredns-1', namespace: 'kube-system', uid: UID, resourceVersion: '1' };
  const o = toReportObject(result(ref, engine({ exemptBy: 'namespace kube-system' })), opts({ includePass: true }));
  t.same(o.results, [{ source: 'kube-posture', policy: 'kube-posture/exemption', rule: 'global', result: 'skip', scored: true, message: 'exempt from every policy: namespace kube-system', timestamp: TS, properties: { reason: 'namespace kube-system' } }]);
  t.same(o.summary, { pass: 0, fail: 0, warn: 0, error: 0, skip: 1 });
});

t.test('a ClusterRole: a ClusterReport without namespace; wgpolicy: ClusterPolicyReport, source on results only', async (t) => {
  const ref: ClusterRef = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'everything', uid: UID, resourceVersion: '9' };
  const r = result(ref, engine({ findings: [finding({ policyId: 'rbac-no-wildcards', category: 'rbac', message: 'rule 0 grants * on *', path: 'rules[0]' })] }));
  const or = toReportObject(r, opts());
  t.equal(or.kind, 'ClusterReport');
  t.equal(or.metadata.namespace, undefined);
  t.same(or.scope, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'everything', uid: UID });
  t.same(or.metadata.ownerReferences, [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'everything', uid: UID }]);
  const wg = toReportObject(r, opts({ flavour: 'wgpolicy' }));
  t.equal(wg.apiVersion, 'wgpolicyk8s.io/v1alpha2');
  t.equal(wg.kind, 'ClusterPolicyReport');
  t.notOk('source' in wg || 'configuration' in wg, 'v1alpha2 has neither a report-level source nor a configuration');
  t.same(wg.results, or.results, 'the same results in both flavours');
  t.equal(toReportObject(result(deployRef, denied), opts({ flavour: 'wgpolicy' })).kind, 'PolicyReport');
});

t.test('truncation keeps the most important results, counts the rest, and the summary still counts all', async (t) => {
  const many = engine({
    findings: [
      ...Array.from({ length: 40 }, (_, i) => finding({ policyId: `low-${String(i).padStart(2, '0')}`, severity: 'low', action: 'warn' })),
      ...Array.from({ length: 30 }, (_, i) => finding({ policyId: `crit-${String(i).padStart(2, '0')}`, severity: 'critical' })),
      finding({ policyId: 'medium-deny', severity: 'medium' }),
    ],
  });
  const o = toReportObject(result(deployRef, many), opts({ maxResults: 31 }));
  t.equal(o.results.length, 31);
  t.ok(o.results.slice(0, 30).every((r) => r.policy.startsWith('crit-')), 'critical fails first');
  t.equal(o.results[30]?.policy, 'medium-deny', 'then the medium fail, before any warn');
  t.same(o.metadata.annotations, { [ANNOTATION_OMITTED]: '40' });
  t.same(o.summary, { pass: 0, fail: 31, warn: 40, error: 0, skip: 0 });
  t.equal(o.configuration?.limits.maxResults, 31);

  const huge = engine({ findings: Array.from({ length: 2000 }, (_, i) => finding({ policyId: `p-${i}`, message: 'x'.repeat(5000), path: `spec.items[${i}]` })) });
  const big = toReportObject(result(deployRef, huge), opts({ maxResults: 5000 }));
  const bytes = Buffer.byteLength(JSON.stringify(big));
  t.ok(bytes <= 128 * 1024, `within the default 128 KiB (${bytes} bytes)`);
  t.ok(big.results.length > 50, `and still many results (${big.results.length})`);
  t.equal(Number(big.metadata.annotations?.[ANNOTATION_OMITTED]) + big.results.length, 2000, 'kept + omitted = all');
  t.equal(big.results[0]?.message?.length, 1024, 'messages clipped to 1024 characters');
  t.ok(big.results[0]?.message?.endsWith('…'));

  const tiny = toReportObject(result(deployRef, huge), opts({ maxBytes: 8 * 1024 }));
  t.ok(Buffer.byteLength(JSON.stringify(tiny)) <= 8 * 1024, 'a smaller byte bound holds too');
  t.notOk(toReportObject(result(deployRef, denied), opts()).metadata.annotations, 'no annotation when nothing was left out');
});

t.test('texts are sanitized; values are never copied; order does not depend on finding order', async (t) => {
  const r = engine({ findings: [finding({ message: 'bad\u0000\u001b[31mred\nline', path: 'spec.x', value: 'SECRET-VALUE' })] });
  const o = toReportObject(result(deployRef, r), opts());
  t.equal(o.results[0]?.message, 'bad [31mred line');
  t.notMatch(JSON.stringify(o), /SECRET-VALUE/);
  const reversed = engine({ ...denied, findings: [...denied.findings].reverse() });
  t.same(toReportObject(result(deployRef, reversed), opts()), toReportObject(result(deployRef, denied), opts()));
});

t.test('objects without a uid or a real name cannot have a report', async (t) => {
  const file: FileRef = { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'shop', file: 'app.yaml', line: 3 };
  t.match(notRepresentable(file), /read from a file/);
  t.match(notRepresentable({ ...deployRef, uid: '' }), /no uid/);
  t.match(notRepresentable({ ...deployRef, uid: 'Not A Uid' }), /uid cannot be part of an object name/);
  t.match(notRepresentable({ ...deployRef, name: 'web-*' }), /no name yet/);
  t.equal(notRepresentable(deployRef), undefined);
  t.throws(() => toReportObject(result(file, denied), opts()), { name: 'RangeError', message: /Pod shop\/web: no report: read from a file/ });
  t.throws(() => toReportObject(result(deployRef, denied), { now: new Date(Number.NaN) }), RangeError);
  t.throws(() => toReportObject(result(deployRef, denied), opts({ maxResults: 0 })), RangeError, 'bounds must be positive integers');
  t.throws(() => toReportObject(result(deployRef, denied), opts({ maxBytes: 1.5 })), RangeError);
});

t.test('renderOpenReports: a YAML stream of the objects with results; files and clean objects counted', async (t) => {
  const file: FileRef = { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'shop', file: 'app.yaml', line: 3 };
  const clean: ClusterRef = { ...deployRef, name: 'tidy', uid: '0a0a0a0a-0000-4000-8000-000000000001' };
  const roleRef: ClusterRef = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'everything', uid: '0a0a0a0a-0000-4000-8000-000000000002', resourceVersion: '3' };
  const report = buildReport([
    result(deployRef, denied),
    result(file, denied),
    result(clean, engine({ outcomes: [{ policyId: 'pss-privileged', outcome: 'pass' }] })),
    result(roleRef, engine({ findings: [finding({ policyId: 'rbac-no-wildcards' })] })),
  ], []);
  const out = renderOpenReports(report, opts());
  t.same(out.skipped, [{ object: 'Pod shop/web', reason: 'read from a file: it has no uid to name and own a report by' }]);
  t.equal(out.empty, 1, 'a clean object has no report unless passes are asked for');
  const docs = parseAllDocuments(out.text).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
  t.same(docs.map((d) => [d.kind, d.metadata.name]), [['Report', `kube-posture-${UID}`], ['ClusterReport', 'kube-posture-0a0a0a0a-0000-4000-8000-000000000002']]);
  t.same(docs, out.objects, 'the text is the objects');
  t.match(out.text, /^---\n/);
  const withPass = renderOpenReports(report, opts({ includePass: true, flavour: 'wgpolicy' }));
  t.equal(withPass.empty, 0);
  t.same(withPass.objects.map((o) => o.kind), ['PolicyReport', 'PolicyReport', 'ClusterPolicyReport']);
  t.same(renderOpenReports(buildReport([], []), opts()), { text: '', objects: [], skipped: [], empty: 0 });
});
