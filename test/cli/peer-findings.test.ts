/**
 * Findings the peers catch (issue #15): an invalid image reference, a literal credential in the
 * environment, an Ingress rule with `host: ""`. The real CLI on a real file, profile recommended; the
 * credential's value appears in no output format.
 */
import t from 'tap';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/policies.js';
import { runCli } from '../helpers/cli.js';

const FILE = join(FIXTURES, 'peer-findings', 'app.yaml');
const SECRET = 'hunter2-s3cr3t';

t.test('scan flags the three in the recommended profile, with messages that say what is wrong', async (t) => {
  const r = await runCli(['scan', FILE, '-o', 'json']);
  t.equal(r.code, 0, 'warnings only');
  const j = JSON.parse(r.stdout) as { objects: { kind: string; findings: { policyId: string; action: string; message: string; path: string }[] }[] };
  const all = j.objects.flatMap((o) => o.findings);
  const one = (id: string) => all.filter((f) => f.policyId === id);
  t.match(one('invalid-image-reference'), [{ action: 'warn', path: 'spec.template.spec.containers[0].image', message: 'container "app": image "<YOUR-CONTAINER>" is a placeholder (<...>) that was never filled in' }]);
  t.match(one('disallow-literal-credentials-in-env'), [{ action: 'warn', path: 'spec.template.spec.containers[0].env[0].value', message: 'container "app": environment variable "DB_PASSWORD" holds a literal credential; take it from a Secret' }]);
  t.equal(one('disallow-literal-credentials-in-env').length, 1, 'DB_HOST is no credential');
  t.match(one('ingress-no-empty-host'), [{ action: 'warn', path: 'spec.rules[0].host', message: /empty string, so the rule matches every host name/ }]);
});

t.test('the literal credential is never printed, in any format', async (t) => {
  for (const format of ['table', 'json', 'sarif', 'junit', 'markdown']) {
    const r = await runCli(['scan', FILE, '-o', format]);
    t.equal(r.code, 0, format);
    if (format !== 'markdown') t.match(r.stdout, /disallow-literal-credentials-in-env/, `${format} reports the finding`);
    t.notOk(r.stdout.includes(SECRET) || r.stderr.includes(SECRET), `${format} does not print the value`);
  }
  const explain = await runCli(['explain', 'disallow-literal-credentials-in-env']);
  t.equal(explain.code, 0);
  t.match(explain.stdout, /namePattern \(string\), default /);
});
