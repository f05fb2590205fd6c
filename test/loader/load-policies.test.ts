import t from 'tap';
import { cp, mkdir, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_POLICY_DIR, bundleUserPolicy, findPolicyFiles, loadLibrary, loadPolicyDir } from '../../src/loader/load-policies.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { parseConfig } from '../../src/config/load-config.js';
import { evaluate, decide, inputFromObject, formatProblem, resolveEngineConfig, DEFAULT_POLICY_CONFIG } from '../../src/core/index.js';
import { USER_POLICIES } from '../helpers/policies.js';

t.test('user directories load TypeScript, YAML and JSON policies', async (t) => {
  const { registered, problems } = await loadPolicyDir(join(USER_POLICIES, 'good'), 'user');
  t.same(problems, []);
  t.same(registered.map((r) => [r.policy.id, r.source.format, r.source.origin]).sort(), [
    ['demo-container-image', 'schema', 'user'],
    ['demo-privileged', 'module', 'user'],
    ['demo-service-type', 'schema', 'user'],
  ]);
});

t.test('policies load concurrently but come back in the walk\'s order, every time', async (t) => {
  const files = await findPolicyFiles(BUILTIN_POLICY_DIR);
  t.ok(files.length > 40, `${files.length} built-in policy files`);
  t.same(await findPolicyFiles(BUILTIN_POLICY_DIR), files, 'the concurrent walk gives one order');
  for (let i = 0; i < 3; i++) {
    const { registered, problems } = await loadPolicyDir(BUILTIN_POLICY_DIR, 'builtin');
    t.same(problems, []);
    t.same(registered.map((r) => r.source.file), files, `load ${i + 1}: the files' order`);
  }
});

t.test('a broken user policy is reported with its file and reason, and the others load', async (t) => {
  const { registry, problems } = await loadLibrary({ builtinDir: false, userDirs: [join(USER_POLICIES, 'broken'), join(USER_POLICIES, 'good')] });
  t.same([...registry.policies.keys()].sort(), ['demo-container-image', 'demo-privileged', 'demo-service-type']);
  const byFolder = (name: string) => problems.filter((p) => p.file?.includes(`/${name}/`)).map(formatProblem).join('\n');
  t.match(byFolder('syntax-error'), /syntax-error\/policy\.ts:2: .*Expected/, 'syntax error with file and line');
  t.match(byFolder('bad-metadata'), /required property 'severity'/);
  t.match(byFolder('bad-metadata'), /defaultAction must be equal to one of the allowed values/);
  t.match(byFolder('bad-schema'), /schema does not compile/);
  t.match(byFolder('no-default'), /no default export/);
  t.match(byFolder('wrong-folder'), /must equal its folder name "wrong-folder"/);
  t.equal(problems.length >= 5, true);
});

t.test('the configuration decides whether loading continues', async (t) => {
  const dirs = `[${JSON.stringify(join(USER_POLICIES, 'broken'))}, ${JSON.stringify(join(USER_POLICIES, 'good'))}]`;
  await t.rejects(buildPolicySet(parseConfig(`profile: all\npolicyDirectories: ${dirs}\n`), { builtinDir: false }), { code: 'KP_ERR_POLICY_LOAD' }, 'fail (the default) refuses to load');
  const set = await buildPolicySet(parseConfig(`profile: all\nonPolicyLoadError: skip\npolicyDirectories: ${dirs}\n`), { builtinDir: false });
  t.equal(set.registry.policies.size, 3);
  t.ok(set.skipped.length >= 5, 'skipped problems are kept for logging');
  await t.rejects(
    buildPolicySet(parseConfig(`profile: all\nonPolicyLoadError: skip\npolicyDirectories: ${dirs}\npolicies: { bad-schema: { action: deny } }\n`), { builtinDir: false }),
    { code: 'KP_ERR_CONFIG_INVALID' },
    'a skipped policy that the configuration asks for is an error, never silently missing',
  );
});

t.test('a new policy in either format is picked up by adding only its folder', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-lib-'));
  t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true, force: true })));
  await cp(join(USER_POLICIES, 'good'), dir, { recursive: true });
  const before = await loadLibrary({ builtinDir: false, userDirs: [dir] });
  t.equal(before.registry.policies.size, 3);

  await mkdir(join(dir, 'extra', 'no-host-network'), { recursive: true });
  await writeFile(join(dir, 'extra', 'no-host-network', 'policy.ts'), `
import { definePodPolicy } from 'kube-posture/policy';
export default definePodPolicy({
  id: 'no-host-network', title: 'No host network', description: 'd', severity: 'high', category: 'extra', controls: [],
  remediation: 'Unset hostNetwork.', defaultAction: 'deny',
  check: (pod) => pod.spec.hostNetwork === true ? [{ path: ['spec', 'hostNetwork'], message: 'hostNetwork must be false', value: true }] : [],
});`);
  await mkdir(join(dir, 'extra', 'no-load-balancer'), { recursive: true });
  await writeFile(join(dir, 'extra', 'no-load-balancer', 'policy.yaml'), `
id: no-load-balancer
title: No LoadBalancer Services
description: d
severity: medium
category: extra
controls: []
remediation: Use an Ingress.
defaultAction: deny
match: { kinds: [Service] }
schema: { properties: { spec: { properties: { type: { not: { const: LoadBalancer } } } } } }
message: 'Service type {value} is not allowed'
`);
  const set = await buildPolicySet(parseConfig(`profile: all\npolicyDirectories: [${JSON.stringify(dir)}]\n`), { builtinDir: false });
  t.ok(set.registry.policies.has('no-host-network'));
  t.ok(set.registry.policies.has('no-load-balancer'));
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x:1' }] } };
  t.match(decide(evaluate(inputFromObject(pod), set.registry, set.engine)).message, /\[no-host-network\] hostNetwork must be false \(spec\.hostNetwork\)/);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'a' }, spec: { type: 'LoadBalancer' } };
  t.match(decide(evaluate(inputFromObject(svc), set.registry, set.engine)).message, /\[no-load-balancer\] Service type "LoadBalancer" is not allowed \(spec\.type\)/);
});

t.test('duplicate ids are reported, never shadowed silently', async (t) => {
  const { problems } = await loadLibrary({ builtinDir: false, userDirs: [join(USER_POLICIES, 'good'), join(USER_POLICIES, 'good')] });
  t.equal(problems.filter((p) => p.code === 'KP_ERR_POLICY_DUPLICATE').length, 3);
});

t.test('a user policy bundles only the parts of the SDK it uses, and those work', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-sdk-'));
  t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true, force: true })));
  await mkdir(join(dir, 'no-metadata-ipblock'), { recursive: true });
  await writeFile(join(dir, 'no-metadata-ipblock', 'policy.ts'), `
import { defineObjectPolicy, ipBlockAdmits, ipBlockOf, networkRulesOf } from 'kube-posture/policy';
export default defineObjectPolicy({
  id: 'no-metadata-ipblock', title: 't', description: 'd', severity: 'high', category: 'extra', controls: [],
  remediation: 'r', defaultAction: 'deny', match: { kinds: ['NetworkPolicy.networking.k8s.io'] },
  check: (o) => networkRulesOf(o, 'egress').flatMap((r) => r.peers).filter((p) => {
    const block = ipBlockOf(p.peer);
    return block !== undefined && ipBlockAdmits(block, '169.254.169.254');
  }).map((p) => ({ path: p.path, message: 'reaches the metadata service' })),
});`);
  // The NetworkPolicy helpers need ipaddr.js; a pod policy that does not use them must not carry it.
  t.notMatch(await bundleUserPolicy(join(USER_POLICIES, 'good', 'demo-privileged', 'policy.ts')), /ipaddr/);
  t.match(await bundleUserPolicy(join(dir, 'no-metadata-ipblock', 'policy.ts')), /ipaddr/);
  const { registry, problems } = await loadLibrary({ builtinDir: false, userDirs: [dir] });
  t.same(problems, []);
  const { config } = resolveEngineConfig({ ...DEFAULT_POLICY_CONFIG, profile: 'all' }, registry);
  const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n', namespace: 'a' }, spec: { egress: [{ to: [{ ipBlock: { cidr: '169.254.0.0/16' } }] }] } };
  t.same(evaluate(inputFromObject(np), registry, config!).findings.map((f) => `${f.path}: ${f.message}`), ['spec.egress[0].to[0]: reaches the metadata service']);
});
