import t from 'tap';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_POLICY_CONFIG, LATEST_PSS_VERSION, defaultsOf, evaluate, inputFromObject, loadLibrary, resolveEngineConfig,
} from '../../../src/sdk-testing.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { registry, problems } = await loadLibrary({ builtinDir: dir });
// The cluster policies (judged over the cluster view) are tested in test/library/cluster-policies.test.ts.
const policies = [...registry.policies.values()].map((r) => r.policy).filter((p) => p.target !== 'cluster');

t.test('the NetworkPolicy library loads with complete metadata', async (t) => {
  t.same(problems, []);
  t.ok(policies.length >= 6, `${policies.length} NetworkPolicy policies`);
  for (const p of policies) {
    t.equal(p.category, 'network', p.id);
    t.ok(p.controls.includes('cis-k8s:5.3.2'), `${p.id} maps to CIS 5.3.2`);
    t.ok(p.controls.includes('nsa:network-separation'), `${p.id} maps to NSA`);
    t.equal(p.recommended, 'warn', p.id);
  }
});

t.test('checks are total on malformed objects', async (t) => {
  const specs: unknown[] = [
    undefined, null, 'x', {}, { podSelector: 'x', ingress: 'x', egress: 5, policyTypes: 'Egress' },
    { ingress: [null, 'x', { from: 'x', ports: 'x' }, { from: [null, { ipBlock: 'x' }, { ipBlock: { cidr: 5, except: 'x' } }], ports: [null, { port: {}, endPort: 'x' }] }] },
    { policyTypes: ['Egress', null], egress: [{ to: [{ ipBlock: { cidr: '999.0.0.0/8', except: [null, 'junk/99'] } }, { ipBlock: { cidr: '::/0' } }, { namespaceSelector: 'x' }] }] },
  ];
  for (const p of policies) {
    if (p.target !== 'object') {
      t.fail(`${p.id} should be an object policy`);
      continue;
    }
    for (const spec of specs) {
      const object = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x', namespace: 'y' }, spec };
      let out: unknown;
      t.doesNotThrow(() => { out = p.check(object, { params: defaultsOf(p.parameters), version: LATEST_PSS_VERSION, input: inputFromObject(object) }); }, p.id);
      t.ok(Array.isArray(out));
    }
  }
});

t.test('metadata egress honours its parameters', async (t) => {
  const policy = (addresses: string[]) => resolveEngineConfig({
    ...DEFAULT_POLICY_CONFIG, profile: 'none',
    policies: { 'netpol-no-metadata-egress': { enabled: true, action: 'warn', parameters: { metadataAddresses: addresses } } },
  }, registry);
  const np = {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x', namespace: 'y' },
    spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] },
  };
  const custom = policy(['10.1.2.3']);
  t.same(custom.problems, []);
  const findings = evaluate(inputFromObject(np), registry, custom.config!).findings;
  t.equal(findings.length, 1);
  t.equal(findings[0]?.path, 'spec.egress[0].to[0].ipBlock.cidr');
  t.match(findings[0]?.message, /10\.1\.2\.3/);
  t.equal(evaluate(inputFromObject(np), registry, policy(['169.254.169.254']).config!).findings.length, 0);
  const bad = policy(['not-an-ip']);
  t.equal(bad.config, undefined, 'an invalid address is rejected when the configuration is loaded');
  t.match(bad.problems.map((p) => p.message).join(' '), /not-an-ip/);
});
