import t from 'tap';
import { compileSchemaPolicy, compileTemplate, relevantErrors, substituteParams, type SchemaPolicyDocument } from './schema-policy.js';
import { inputFromObject } from './input.js';
import { evaluate } from './engine.js';
import { testConfig, testRegistry } from '../../test/helpers/policies.js';

const meta = { title: 't', description: 'd', severity: 'low' as const, category: 'c', controls: [] as string[], remediation: 'r', defaultAction: 'deny' as const };

t.test('a container-target schema reports readable paths into the real object', async (t) => {
  const policy = compileSchemaPolicy({
    ...meta, id: 'no-priv-schema', target: 'container',
    schema: { properties: { securityContext: { properties: { privileged: { const: false } } } } },
    message: 'container "{container}": {path} must be false',
  });
  const registry = testRegistry([policy]);
  const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'b', securityContext: { privileged: true } }] } } } };
  const findings = evaluate(inputFromObject(dep), registry, testConfig(registry, { profile: 'all' })).findings;
  t.same(findings.map((f) => [f.path, f.message, f.value]), [['spec.template.spec.containers[1].securityContext.privileged', 'container "b": securityContext.privileged must be false', true]]);
});

t.test('messages come from errorMessage, then the policy message, never raw ajv text', async (t) => {
  const doc: SchemaPolicyDocument = {
    ...meta, id: 'svc', match: { kinds: ['Service'] },
    schema: { properties: { spec: { properties: { externalIPs: { maxItems: 0, errorMessage: 'spec.externalIPs must be empty' }, type: { enum: ['ClusterIP'] } } } } },
    message: '',
  };
  const policy = compileSchemaPolicy(doc);
  t.equal(policy.target, 'object');
  const violations = policy.target === 'object' ? policy.check({ spec: { externalIPs: ['1.1.1.1'], type: 'NodePort' } }, { params: {}, version: { major: 1, minor: 37 }, input: inputFromObject({}) }) : [];
  t.same(violations.map((v) => [v.path.join('.'), v.message]), [['spec.externalIPs', 'spec.externalIPs must be empty'], ['spec.type', 'spec.type must be one of "ClusterIP"']]);
  for (const v of violations) t.notMatch(v.message, /must NOT have|must be equal to one of the allowed values/);
});

t.test('anyOf failures are reported once, at their own path', async (t) => {
  const policy = compileSchemaPolicy({
    ...meta, id: 'any', match: { kinds: ['Service'] },
    schema: { properties: { spec: { anyOf: [{ required: ['a'] }, { required: ['b'] }] } } },
    message: '{path} needs a or b',
  });
  const v = policy.target === 'object' ? policy.check({ spec: {} }, { params: {}, version: { major: 1, minor: 37 }, input: inputFromObject({}) }) : [];
  t.same(v.map((x) => x.message), ['spec needs a or b']);
  t.equal(relevantErrors([]).length, 0);
});

t.test('parameters are substituted at compile time and validated', async (t) => {
  t.same(substituteParams({ enum: { $param: 'x' }, nested: [{ $param: 'y' }] }, { x: [1], y: 'z' }), { enum: [1], nested: ['z'] });
  t.throws(() => substituteParams({ $param: 'missing' }, {}), /unknown parameter "missing"/);
});

t.test('a schema that does not compile fails at compile time', async (t) => {
  t.throws(() => compileSchemaPolicy({ ...meta, id: 'bad', match: { kinds: ['Service'] }, schema: { type: 'notatype' }, message: 'm' }));
  t.throws(() => compileSchemaPolicy({ ...meta, id: 'bad2', match: { kinds: ['Service'] }, schema: { unknownKeyword: true }, message: 'm' }), /unknown keyword/);
});

t.test('numeric-looking map keys stay keys', async (t) => {
  const policy = compileSchemaPolicy({ ...meta, id: 'labels', match: { kinds: ['Service'] }, schema: { properties: { metadata: { properties: { labels: { additionalProperties: { type: 'string', maxLength: 3 } } } } } }, message: '{path} too long' });
  const v = policy.target === 'object' ? policy.check({ metadata: { labels: { '0': 'toolong' } } }, { params: {}, version: { major: 1, minor: 37 }, input: inputFromObject({}) }) : [];
  t.same(v.map((x) => x.path), [['metadata', 'labels', '0']]);
});

t.test('an errorMessage object beside a property errorMessage reports one finding (ajv-errors empty error)', async (t) => {
  const policy = compileSchemaPolicy({ ...meta, id: 'img', target: 'container', schema: { required: ['image'], properties: { image: { type: 'string', pattern: ':[^/]+$', errorMessage: 'container "{container}": image must name a tag' } }, errorMessage: { required: 'container "{container}": image is required' } }, message: 'x' });
  const registry = testRegistry([policy]);
  const p = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'reg.example.com/app' }, { name: 'b' }] } };
  const f = evaluate(inputFromObject(p), registry, testConfig(registry, { profile: 'all' })).findings;
  t.same(f.map((x) => [x.path, x.message]), [['spec.containers[0].image', 'container "a": image must name a tag'], ['spec.containers[1].image', 'container "b": image is required']]);
});

t.test('message templates: every occurrence of each variable is filled, other braces are kept, cut once per policy', async (t) => {
  const policy = compileSchemaPolicy({
    ...meta, id: 'tpl', target: 'container',
    schema: { properties: { image: { pattern: ':', errorMessage: '{container} {x} image {value} at {path} ({container})' }, imagePullPolicy: { const: 'Always' } } },
    message: '[{container}] {path}={value} {{path}}',
  });
  const registry = testRegistry([policy]);
  const p = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'app', imagePullPolicy: 'Never' }, { name: 'b', image: 'app' }] } };
  for (let round = 0; round < 2; round++) {
    const f = evaluate(inputFromObject(p), registry, testConfig(registry, { profile: 'all' })).findings;
    t.same(f.map((x) => x.message), [
      'a {x} image "app" at image (a)',
      '[a] imagePullPolicy="Never" {imagePullPolicy}',
      'b {x} image "app" at image (b)',
    ], `round ${round}`);
  }
  t.same(compileTemplate('no variables'), { parts: ['no variables'], vars: [] });
  t.same(compileTemplate('{path}{value}'), { parts: ['', '', ''], vars: ['path', 'value'] });
});
