/**
 * The hygiene policies together, as the `recommended` profile runs them: a carefully written chart
 * passes untouched, a bare `kubectl create deployment` gets warnings but is admitted, and a Service
 * claiming external IPs is denied.
 */
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { DEFAULT_POLICY_CONFIG, buildRegistry, decide, evaluate, inputFromObject, loadPolicyDir, resolveEngineConfig } from '../../src/sdk-testing.js';

const here = dirname(fileURLToPath(import.meta.url));

async function recommended() {
  const loaded = await Promise.all([here, join(here, '..', 'service')].map((d) => loadPolicyDir(d, 'builtin')));
  const { registry } = buildRegistry(loaded.flatMap((l) => l.registered));
  const { config, problems } = resolveEngineConfig({ ...DEFAULT_POLICY_CONFIG, profile: 'recommended' }, registry);
  if (!config) throw new Error(problems.map((p) => p.message).join('; '));
  return (object: unknown) => {
    const result = evaluate(inputFromObject(object), registry, config);
    return { result, decision: decide(result) };
  };
}

t.test('a hardened Helm chart passes every recommended hygiene policy', async (t) => {
  const run = await recommended();
  for (const file of [join(here, 'disallow-latest-tag/fixtures/pass/helm-deployment.yaml'), join(here, '../service/ingress-require-tls/fixtures/pass/helm-ingress.yaml'), join(here, '../service/service-no-external-ips/fixtures/pass/helm-service.yaml')]) {
    const { result } = run(parse(await readFile(file, 'utf8')));
    t.same(result.findings.map((f) => `${f.policyId} ${f.path}`), [], file.split('/').slice(-4).join('/'));
    t.ok(result.outcomes.length > 0, 'policies ran');
  }
});

t.test('kubectl create deployment output is admitted with warnings', async (t) => {
  const run = await recommended();
  // `kubectl create deployment web --image=nginx -n default --dry-run=client -o yaml`
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { labels: { app: 'web' }, name: 'web', namespace: 'default' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, strategy: {}, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ image: 'nginx', name: 'nginx', resources: {} }] } } },
  };
  const { result, decision } = run(deployment);
  t.equal(decision.allowed, true, 'hygiene warns, it does not deny');
  t.ok(result.findings.every((f) => f.action === 'warn'));
  t.same([...new Set(result.findings.map((f) => f.policyId))].sort(), [
    'disallow-default-namespace', 'disallow-default-service-account', 'disallow-latest-tag', 'require-labels', 'require-liveness-probe',
    'require-read-only-root-filesystem', 'require-readiness-probe', 'require-resource-limits', 'require-resource-requests', 'restrict-service-account-token-automount',
  ]);
  t.equal(decision.warnings.length, result.findings.length, 'one warning per finding');
});

t.test('a Service with externalIPs is denied', async (t) => {
  const run = await recommended();
  const { decision } = run({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'team-a' }, spec: { type: 'ClusterIP', externalIPs: ['8.8.8.8'], ports: [{ port: 53 }] } });
  t.equal(decision.allowed, false);
  t.match(decision.message, /service-no-external-ips/);
});
