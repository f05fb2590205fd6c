/**
 * The workload and service policies must judge any input without throwing: fields of the wrong type
 * are data. Every policy of both categories runs (profile `all`) over objects that are wrong in many
 * ways, and no run may end in an error finding.
 */
import t from 'tap';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_POLICY_CONFIG, POD_KINDS, buildRegistry, evaluate, inputFromObject, loadPolicyDir, resolveEngineConfig, type EngineConfig, type Registry,
} from '../../src/sdk-testing.js';

const here = dirname(fileURLToPath(import.meta.url));
const dirs = [here, join(here, '..', 'service')];

async function setup(): Promise<{ registry: Registry; config: EngineConfig }> {
  const loaded = await Promise.all(dirs.map((d) => loadPolicyDir(d, 'builtin')));
  const problems = loaded.flatMap((l) => l.problems);
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
  const { registry } = buildRegistry(loaded.flatMap((l) => l.registered));
  const { config, problems: cp } = resolveEngineConfig({ ...DEFAULT_POLICY_CONFIG, profile: 'all' }, registry);
  if (!config) throw new Error(cp.map((p) => p.message).join('; '));
  return { registry, config };
}

const oddPodSpecs: unknown[] = [
  null, 'spec', 42, [],
  { containers: null, initContainers: 'x', ephemeralContainers: {} },
  { containers: [null, 5, 'x', [], {}] },
  { containers: [{ name: 7, image: 42, imagePullPolicy: 3, env: 'x', envFrom: [null, 'x', { secretRef: null }], ports: [null, 1, { hostIP: null }], resources: [], securityContext: 'x', livenessProbe: null, readinessProbe: 0 }] },
  { containers: [{ name: 'c', image: '', env: [null, { valueFrom: null }, { valueFrom: 'x' }], resources: { requests: 'x', limits: [] } }] },
  { restartPolicy: 5, hostAliases: {}, serviceAccountName: 5, serviceAccount: ['x'], automountServiceAccountToken: 'yes', containers: [{ image: 'nginx' }] },
];
const oddMetadata: unknown[] = [null, 'meta', { labels: 'x', namespace: 5 }, { labels: [] }];

function podObject(kind: string, group: string, podPath: readonly string[], spec: unknown, metadata: unknown): unknown {
  const pod = { metadata, spec };
  const apiVersion = group === '' ? 'v1' : `${group}/v1`;
  if (podPath.length === 0) return { apiVersion, kind, ...pod };
  let inner: unknown = pod;
  for (const key of [...podPath].reverse()) inner = { [key]: inner };
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'team-a' }, ...(inner as object) };
}

t.test('pod policies never fail on odd pod specs, in any workload kind', async (t) => {
  const { registry, config } = await setup();
  let runs = 0;
  for (const k of POD_KINDS) {
    for (const spec of oddPodSpecs) {
      for (const metadata of oddMetadata) {
        const result = evaluate(inputFromObject(podObject(k.kind, k.group, k.podPath!, spec, metadata)), registry, config);
        runs += result.outcomes.length;
        const errors = result.findings.filter((f) => f.kind === 'error');
        t.same(errors.map((e) => `${e.policyId}: ${e.message}`), [], `${k.kind} ${JSON.stringify(spec)}`);
      }
    }
  }
  t.ok(runs > 0, 'policies ran');
});

t.test('object policies never fail on odd Services and Ingresses', async (t) => {
  const { registry, config } = await setup();
  const specs: unknown[] = [
    null, 'x', 1, [],
    { type: 5, externalIPs: '1.2.3.4', rules: 'x', tls: {} },
    { rules: [null, 1, { host: 5 }, { host: null }], tls: [null, 'x', { hosts: 'x' }, { hosts: [null, 5, ''] }] },
  ];
  for (const spec of specs) {
    for (const [apiVersion, kind] of [['v1', 'Service'], ['networking.k8s.io/v1', 'Ingress']] as const) {
      for (const metadata of [null, 'x', { name: 5, namespace: ['default'] }]) {
        const result = evaluate(inputFromObject({ apiVersion, kind, metadata, spec }), registry, config);
        t.ok(result.outcomes.length > 0, `${kind} was evaluated`);
        t.same(result.findings.filter((f) => f.kind === 'error').map((e) => `${e.policyId}: ${e.message}`), [], `${kind} ${JSON.stringify(spec)}`);
      }
    }
  }
});

t.test('the default namespace is taken from the admission request when the object names none', async (t) => {
  const { registry, config } = await setup();
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } };
  const only = (input: ReturnType<typeof inputFromObject>) => evaluate(input, registry, config).findings.filter((f) => f.policyId === 'disallow-default-namespace');
  t.same(only(inputFromObject(pod, { namespace: 'default' })).map((f) => f.path), ['metadata.namespace']);
  t.same(only(inputFromObject(pod, { namespace: 'team-a' })), []);
  t.same(only(inputFromObject(pod)), [], 'a manifest without a namespace is not judged');
});
