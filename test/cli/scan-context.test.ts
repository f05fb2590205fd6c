/**
 * `kube-posture scan` with the cluster policies: the manifests given are the view. Findings about a
 * manifest keep its file and line; findings about a namespace only used or an RBAC subject point at the
 * manifest that mentions it first. The built-in library runs here (recommended profile).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/policies.js';

const DIR = join(FIXTURES, 'context-manifests');
const CONTEXT = new Set(['netpol-namespace-without-policy', 'netpol-workload-not-selected', 'rbac-cluster-admin-equivalent', 'rbac-binding-role-missing', 'workload-token-secret-access']);

async function scan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['--import', 'tsx', 'src/cli/main.ts', 'scan', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

type JsonReport = { summary: { objects: number; findings: { warn: number } }; objects: { kind: string; namespace?: string; name: string; file: string; line: number; allowed: boolean; findings: { policyId: string; path: string; line?: number; evidence?: string[] }[] }[] };

t.test('scan: context findings over a multi-file manifest set, with file and line', async (t) => {
  const r = await scan([DIR, '--profile', 'recommended', '-o', 'json']);
  t.equal(r.code, 0, 'cluster policies warn in the recommended profile: nothing is denied');
  const report = JSON.parse(r.stdout) as JsonReport;
  const found = report.objects.flatMap((o) => o.findings.filter((f) => CONTEXT.has(f.policyId)).map((f) => `${f.policyId} ${o.kind}/${o.namespace ?? ''}/${o.name} ${o.file.split('/').pop()}:${f.line}${f.path ? ` ${f.path}` : ''}`)).sort();
  t.same(found, [
    'netpol-namespace-without-policy Namespace//batch app.yaml:17',
    'netpol-namespace-without-policy Namespace//shop namespace.yaml:1',
    'rbac-binding-role-missing RoleBinding/shop/config-reader rbac.yaml:35 roleRef.name',
    'rbac-cluster-admin-equivalent ServiceAccount/shop/web rbac.yaml:18',
    'rbac-cluster-admin-equivalent User//alice rbac.yaml:18',
    'workload-token-secret-access Deployment/shop/web app.yaml:14 spec.template.spec.automountServiceAccountToken',
  ]);
  const alice = report.objects.find((o) => o.name === 'alice')!;
  t.match(alice, { kind: 'User', file: /rbac\.yaml$/, line: 18 }, 'a subject is placed at the binding that names it');
  t.same(alice.findings[0]?.evidence, [
    'ClusterRoleBinding "platform" -> ClusterRole "platform" (aggregated from ClusterRole "platform-secrets") -> rules[1]: "create" on "pods" cluster-wide',
    'ClusterRoleBinding "platform" -> ClusterRole "platform" (aggregated from ClusterRole "platform-secrets") -> rules[0]: "get" on "secrets" cluster-wide',
  ], 'the chain of binding, aggregated role and rule');
  const web = report.objects.filter((o) => o.kind === 'Deployment' && o.name === 'web');
  t.equal(web.length, 1, 'findings about a manifest join its result, never a second one');
  t.ok(web[0]!.findings.some((f) => f.policyId === 'pss-run-as-non-root'), 'beside its per-object findings');
});

t.test('scan: a cluster policy set to deny denies its object (exit 1); the table shows the chain', async (t) => {
  const r = await scan([DIR, '--profile', 'recommended', '--config', join(FIXTURES, 'context-deny.yaml')]);
  t.equal(r.code, 1);
  t.match(r.stdout, /DENIED User alice {2}\(.*rbac\.yaml:18\)\n {2}DENY {2}critical rbac-cluster-admin-equivalent: User "alice" holds cluster-admin-equivalent rights/);
  t.match(r.stdout, /via ClusterRoleBinding "platform" -> ClusterRole "platform" \(aggregated from ClusterRole "platform-secrets"\) -> rules\[1\]: "create" on "pods" cluster-wide/);
  t.notOk(/netpol-namespace-without-policy: namespace "batch"/.test(r.stdout), 'a per-policy exemption by namespace applies to the Namespace itself');
  t.match(r.stdout, /netpol-namespace-without-policy: namespace "shop"/);
  const none = await scan([DIR, '--profile', 'pss-restricted', '-o', 'json']);
  t.notOk((JSON.parse(none.stdout) as JsonReport).objects.some((o) => o.findings.some((f) => CONTEXT.has(f.policyId))), 'no cluster policy outside its profile');
});
