import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { definePodPolicy, defineObjectPolicy } from '../../src/core/define.js';
import { containersOf } from '../../src/core/subjects/pod.js';
import { registerPolicy, buildRegistry, type Registry } from '../../src/core/registry.js';
import { resolveEngineConfig, DEFAULT_POLICY_CONFIG, type PolicyConfig, type EngineConfig } from '../../src/core/engine-config.js';
import type { Policy } from '../../src/core/types.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const USER_POLICIES = join(FIXTURES, 'user-policies');

/** In-memory test policies, so core tests do not depend on the library's contents. */
export const privileged = definePodPolicy({
  id: 't-privileged', title: 'No privileged', description: 'd', severity: 'high', category: 'test', controls: ['pss:baseline/privileged'],
  remediation: 'Set privileged to false.', defaultAction: 'deny', recommended: 'deny',
  pss: { level: 'baseline', checkId: 'privileged' },
  check(pod) {
    return containersOf(pod.spec).filter((c) => c.container.securityContext?.privileged === true)
      .map((c) => ({ path: [...c.path, 'securityContext', 'privileged'], message: `container "${c.label}": securityContext.privileged must be false`, value: true }));
  },
});

export const runAsNonRoot = definePodPolicy({
  id: 't-run-as-non-root', title: 'Run as non-root', description: 'd', severity: 'medium', category: 'test', controls: ['pss:restricted/runAsNonRoot'],
  remediation: 'Set runAsNonRoot.', defaultAction: 'deny', recommended: 'warn',
  pss: { level: 'restricted', checkId: 'runAsNonRoot' },
  check(pod) {
    if (pod.spec.securityContext?.runAsNonRoot === true) return [];
    return [{ path: ['spec', 'securityContext', 'runAsNonRoot'], message: 'pod must set securityContext.runAsNonRoot=true' }];
  },
});

/** A version-dependent check: from v1.22 on, it also flags hostPID. */
export const hostNs = definePodPolicy({
  id: 't-host-ns', title: 'Host namespaces', description: 'd', severity: 'high', category: 'test', controls: [],
  remediation: 'Unset hostNetwork.', defaultAction: 'deny',
  pss: { level: 'baseline', checkId: 'hostNamespaces' },
  check(pod, ctx) {
    const out = [];
    if (pod.spec.hostNetwork === true) out.push({ path: ['spec', 'hostNetwork'], message: 'hostNetwork must be unset or false', value: true });
    if (ctx.version.minor >= 22 && pod.spec.hostPID === true) out.push({ path: ['spec', 'hostPID'], message: 'hostPID must be unset or false', value: true });
    return out;
  },
});

export const seccompBaseline = definePodPolicy({
  id: 't-seccomp-baseline', title: 'Seccomp baseline', description: 'd', severity: 'high', category: 'test', controls: [],
  remediation: 'r', defaultAction: 'deny', pss: { level: 'baseline', checkId: 'seccompProfile_baseline' },
  check(pod) {
    return pod.spec.securityContext?.seccompProfile?.type === 'Unconfined' ? [{ path: ['spec', 'securityContext', 'seccompProfile', 'type'], message: 'seccomp must not be Unconfined' }] : [];
  },
});

export const seccompRestricted = definePodPolicy({
  id: 't-seccomp-restricted', title: 'Seccomp restricted', description: 'd', severity: 'high', category: 'test', controls: [],
  remediation: 'r', defaultAction: 'deny',
  pss: { level: 'restricted', checkId: 'seccompProfile_restricted', supersedes: [{ policy: 't-seccomp-baseline', since: 'v1.19' }] },
  check(pod, ctx) {
    if (ctx.version.minor < 19) return [];
    const t = pod.spec.securityContext?.seccompProfile?.type;
    return t === 'RuntimeDefault' || t === 'Localhost' ? [] : [{ path: ['spec', 'securityContext', 'seccompProfile', 'type'], message: 'seccomp must be RuntimeDefault or Localhost' }];
  },
});

export const noWildcardVerbs = defineObjectPolicy<{ allowedVerbs: string[] }>({
  id: 't-wildcard-verbs', title: 'No wildcard verbs', description: 'd', severity: 'high', category: 'test', controls: ['cis-k8s:5.1.3'],
  remediation: 'List verbs explicitly.', defaultAction: 'deny', recommended: 'deny',
  parameters: { type: 'object', additionalProperties: false, properties: { allowedVerbs: { type: 'array', items: { type: 'string' }, default: [] } } },
  match: { kinds: ['ClusterRole.rbac.authorization.k8s.io', 'Role.rbac.authorization.k8s.io'] },
  check(object, ctx) {
    const rules = Array.isArray(object.rules) ? object.rules : [];
    const out = [];
    for (const [i, rule] of rules.entries()) {
      const verbs: unknown[] = Array.isArray(rule?.verbs) ? rule.verbs : [];
      for (const [j, v] of verbs.entries()) if (v === '*' && !ctx.params.allowedVerbs.includes('*')) out.push({ path: ['rules', i, 'verbs', j], message: 'verbs must not contain "*"', value: '*' });
    }
    return out;
  },
});

export const warnLatest = definePodPolicy({
  id: 't-latest-tag', title: 'No latest tag', description: 'd', severity: 'low', category: 'test', controls: [],
  remediation: 'Pin a version.', defaultAction: 'warn', recommended: 'warn',
  check(pod) {
    return containersOf(pod.spec).filter((c) => typeof c.container.image === 'string' && c.container.image.endsWith(':latest'))
      .map((c) => ({ path: [...c.path, 'image'], message: `container "${c.label}": image must not use the latest tag`, value: c.container.image }));
  },
});

export const ALL_TEST_POLICIES: Policy[] = [privileged, runAsNonRoot, hostNs, seccompBaseline, seccompRestricted, noWildcardVerbs, warnLatest];

export function testRegistry(policies: Policy[] = ALL_TEST_POLICIES, origin: 'builtin' | 'user' = 'builtin'): Registry {
  const registered = policies.map((policy) => {
    const r = registerPolicy({ policy, source: { origin, file: `memory:${policy.id}`, format: 'module' } });
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '));
    return r.value;
  });
  const { registry, problems } = buildRegistry(registered);
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
  return registry;
}

export function testConfig(registry: Registry, overrides: Partial<PolicyConfig> = {}): EngineConfig {
  const { config, problems } = resolveEngineConfig({ ...DEFAULT_POLICY_CONFIG, ...overrides }, registry);
  if (!config) throw new Error(problems.map((p) => p.message).join('; '));
  return config;
}

export function pod(spec: Record<string, unknown>, meta: Record<string, unknown> = { name: 'p', namespace: 'team' }): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}

export function deployment(podSpec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'team' }, spec: { replicas: 2, template: { metadata: { labels: { app: 'd' } }, spec: podSpec } } };
}
