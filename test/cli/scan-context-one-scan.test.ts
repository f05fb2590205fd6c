/**
 * Context in one scan: objects in the same input inform each other's verdicts. A ServiceAccount with
 * `automountServiceAccountToken: false` covers the pods that use it and do not set the field; Namespaces and
 * NetworkPolicies feed the "namespace without a NetworkPolicy" and "workload not selected" checks. The real
 * CLI runs as a process on a real file (built-in library, recommended profile).
 */
import t from 'tap';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/policies.js';
import { runCli } from '../helpers/cli.js';

const FILE = join(FIXTURES, 'scan-context-one-scan', 'app.yaml');
type JsonReport = { objects: { kind: string; namespace?: string; name: string; findings: { policyId: string; message: string; line?: number }[] }[] };

const byPolicy = (report: JsonReport, policyId: string): string[] =>
  report.objects.flatMap((o) => o.findings.filter((f) => f.policyId === policyId).map(() => `${o.kind}/${o.namespace ?? ''}/${o.name}`)).sort();

t.test('a ServiceAccount with automountServiceAccountToken: false in the input covers the pods using it', async (t) => {
  const r = await runCli(['scan', FILE, '--profile', 'recommended', '-o', 'json']);
  t.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as JsonReport;
  t.same(byPolicy(report, 'restrict-service-account-token-automount'), ['Deployment/shop/api', 'Deployment/shop/worker', 'Job/batch/nightly'],
    'web (account "quiet", field unset) passes; api (account "loud", which says nothing) and worker (its own true wins) are flagged; ' +
    'the Job in "batch" uses a "quiet" account that is not in the input for its namespace');
});

t.test('the account only covers pods of its own namespace, and only when it is in the input', async (t) => {
  const r = await runCli(['scan', '-', '--profile', 'recommended', '-o', 'json'], {
    stdin: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: shop }\nspec:\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      serviceAccountName: quiet\n      containers: [{ name: web, image: "registry.example/web:1.0" }]\n',
  });
  t.equal(r.code, 0, r.stderr);
  t.same(byPolicy(JSON.parse(r.stdout) as JsonReport, 'restrict-service-account-token-automount'), ['Deployment/shop/web'], 'without the ServiceAccount the pod is flagged, as before');
});

t.test('Namespaces and NetworkPolicies in the input feed the NetworkPolicy checks', async (t) => {
  const r = await runCli(['scan', FILE, '--profile', 'recommended', '-o', 'json']);
  const report = JSON.parse(r.stdout) as JsonReport;
  t.same(byPolicy(report, 'netpol-namespace-without-policy'), ['Namespace//batch'], 'batch runs a Job and has no NetworkPolicy; shop has one');
  t.same(byPolicy(report, 'netpol-workload-not-selected'), ['Deployment/shop/api'], 'in shop only app=web pods are selected: api is not');
});

t.test('a ServiceAccount or Namespace that comes after the pods using it still counts (objects judged again at the end)', async (t) => {
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: shop }\nspec:\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      serviceAccountName: quiet\n      containers: [{ name: web, image: "registry.example/web:1.0" }]\n';
  const account = 'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: quiet, namespace: shop }\nautomountServiceAccountToken: false\n';
  const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop, labels: { kube-posture.io/enforce: restricted } }\n';
  const r = await runCli(['scan', '-', '--profile', 'recommended', '-o', 'json'], { stdin: [deployment, account, namespace].join('---\n') });
  const report = JSON.parse(r.stdout) as JsonReport & { objects: { allowed: boolean }[] };
  t.same(byPolicy(report, 'restrict-service-account-token-automount'), [], 'the account that came later covers the pod');
  const web = report.objects.find((o) => o.name === 'web') as unknown as { allowed: boolean; findings: { policyId: string; action: string }[] };
  t.ok(web.findings.some((f) => f.policyId === 'pss-run-as-non-root' && f.action === 'deny'), 'the namespace label that came later applies: restricted enforced, runAsNonRoot denied');
  t.equal(r.code, 1);
  const alone = await runCli(['scan', '-', '--profile', 'recommended', '-o', 'json'], { stdin: deployment });
  t.equal(alone.code, 0, 'without the Namespace the restricted checks only warn (recommended)');
});
