import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, errorMessage, formatProblem, KubePostureError } from './errors.js';

t.test('every error code has its line in docs/errors.md', async (t) => {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/errors.md', import.meta.url)), 'utf8');
  for (const code of Object.keys(ERROR_CODES)) t.match(doc, new RegExp(`^\\| \`${code}\` \\|`, 'm'), code);
  const documented = [...doc.matchAll(/^\| `(KP_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);
  t.same(documented.filter((c) => !(c! in ERROR_CODES)), [], 'no documented code is gone from the source');
});

t.test('formatting', async (t) => {
  t.equal(formatProblem({ code: 'KP_ERR_CONFIG_INVALID', message: 'bad', file: 'a.yaml', line: 3, path: 'mode' }), 'a.yaml:3: mode: bad [KP_ERR_CONFIG_INVALID]');
  t.equal(formatProblem({ code: 'KP_ERR_POLICY_LOAD', message: 'x' }), 'x [KP_ERR_POLICY_LOAD]');
  t.equal(errorMessage(new Error('e')), 'e');
  t.equal(errorMessage('s'), 's');
  t.equal(errorMessage({ toString: () => 'obj' }), 'obj');
  t.equal(errorMessage(Object.create(null)), 'unknown error', 'an object that cannot be printed does not throw');
  const err = new KubePostureError('KP_ERR_TLS', 'no cert');
  t.equal(err.code, 'KP_ERR_TLS');
  t.same(err.problems, []);
});
