/**
 * The configuration example in docs/configuration.md must load against the real library: a renamed
 * policy or parameter makes this fail rather than leaving the docs wrong.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load-config.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';

t.test('docs/configuration.md example is a valid configuration for the built-in library', async (t) => {
  const doc = readFileSync('docs/configuration.md', 'utf8');
  const block = /```yaml\n(profile:[\s\S]*?)```/.exec(doc)?.[1];
  t.ok(block, 'the example block is there');
  const config = parseConfig(block ?? '', 'docs/configuration.md');
  const set = await buildPolicySet(config);
  t.ok(set.engine.policies.size > 50);
  t.ok(!set.engine.enabled.some((e) => e.id === 'rbac-no-secrets-read'), 'enabled: false switches a policy off');
  t.equal(set.engine.policies.get('allowed-image-registries')?.params.allowedRegistries?.toString(), 'registry.example.com');
  // The example must not exempt everything: a privileged pod in an ordinary namespace is still denied.
  const { evaluate, decide, inputFromObject } = await import('../../src/core/index.js');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'a', image: 'registry.example.com/a:1', securityContext: { privileged: true } }] } };
  const r = evaluate(inputFromObject(pod, { namespaceLabels: { 'kubernetes.io/metadata.name': 'shop' } }), set.registry, set.engine);
  t.equal(r.exemptBy, undefined);
  t.equal(decide(r).allowed, false);
});
