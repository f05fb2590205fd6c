import t from 'tap';
import { parseConfig, defaultConfig } from '../../src/config/load-config.js';
import { formatProblem, KubePostureError } from '../../src/core/errors.js';

t.test('defaults', async (t) => {
  const c = defaultConfig();
  t.equal(c.profile, 'recommended');
  t.equal(c.mode, 'enforce');
  t.equal(c.podSecurity.version, 'latest');
  t.equal(c.onPolicyLoadError, 'fail');
  t.same(c.policyDirectories, []);
  t.equal(c.evaluation.timeoutMs, 100);
});

t.test('every problem is reported with its path and line', async (t) => {
  const text = [
    'profile: recommended',
    'mode: block',
    'exemption:',
    '  namespaces: [a]',
    'policies:',
    '  pss-privileged:',
    '    action: maybe',
    '    enabeld: true',
    'podSecurity:',
    '  version: 1.25',
  ].join('\n');
  try {
    parseConfig(text, 'kp.yaml');
    t.fail('should throw');
  } catch (err) {
    t.ok(err instanceof KubePostureError);
    const lines = (err as KubePostureError).problems.map(formatProblem);
    t.match(lines, [
      /kp.yaml:3: exemption: unknown key "exemption"/,
    ].concat([]));
    const all = lines.join('\n');
    t.match(all, /kp\.yaml:2: mode: must be one of "enforce", "warn", "audit"/);
    t.match(all, /kp\.yaml:7: policies\.pss-privileged\.action: must be one of "deny", "warn", "audit"/);
    t.match(all, /kp\.yaml:8: policies\.pss-privileged\.enabeld: unknown key "enabeld"/);
    t.match(all, /kp\.yaml:10: podSecurity\.version: must be string|must match pattern/);
    t.ok(lines.length >= 5, `all problems reported (${lines.length})`);
  }
});

t.test('YAML syntax errors have a line', async (t) => {
  t.throws(() => parseConfig('mode: [enforce\n', 'x.yaml'), { code: 'KP_ERR_CONFIG_PARSE' });
  t.throws(() => parseConfig('mode: enforce\nmode: audit\n', 'x.yaml'), { code: 'KP_ERR_CONFIG_PARSE' }, 'duplicate keys are errors');
});

t.test('wrong types at the root', async (t) => {
  t.throws(() => parseConfig('- a\n- b\n'), { code: 'KP_ERR_CONFIG_INVALID' });
  t.doesNotThrow(() => parseConfig(''), 'an empty file is the defaults');
});
