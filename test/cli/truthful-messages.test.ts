/**
 * Messages say what is true of the object (issue #15): the real CLI on real files.
 */
import t from 'tap';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/policies.js';
import { runCli } from '../helpers/cli.js';

const IN = join(FIXTURES, 'truthful-messages');
interface Json { objects: { name: string; findings: { policyId: string; message: string; path: string }[] }[] }

t.test('rbac-no-wildcard-resources claims Secrets and pods/exec only for a rule in the core group (or "*")', async (t) => {
  const r = await runCli(['scan', join(IN, 'metrics-role.yaml'), '--profile', 'all', '-o', 'json']);
  t.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout) as Json;
  const msg = (name: string) => j.objects.find((o) => o.name === name)?.findings.find((f) => f.policyId === 'rbac-no-wildcard-resources')?.message ?? '';
  t.match(msg('metrics-reader'), /every resource \("\*"\) in "metrics\.k8s\.io"/);
  t.notMatch(msg('metrics-reader'), /Secrets|pods\/exec/, 'a metrics.k8s.io rule holds neither');
  t.match(msg('core-everything'), /includes Secrets, subresources such as pods\/exec/, 'the core group does hold them');
});

t.test('probe and resource messages name the container they are about', async (t) => {
  const r = await runCli(['scan', join(IN, 'two-containers.yaml'), '--profile', 'all', '-o', 'json']);
  const findings = (JSON.parse(r.stdout) as Json).objects[0]?.findings ?? [];
  for (const id of ['require-liveness-probe', 'require-readiness-probe', 'require-resource-requests', 'require-resource-limits', 'require-read-only-root-filesystem']) {
    const mine = findings.filter((f) => f.policyId === id);
    t.ok(mine.length > 0, `${id} has findings`);
    for (const f of mine) {
      const sidecar = f.path.startsWith('spec.template.spec.containers[1]');
      t.match(f.message, sidecar ? 'container "sidecar"' : 'container "app"', `${id} at ${f.path}: ${f.message}`);
    }
  }
  t.ok(findings.some((f) => f.policyId === 'require-liveness-probe' && f.message.includes('"sidecar"')));
});

t.test('scan --mode audit labels deny-level findings "would deny", never DENY', async (t) => {
  const audit = await runCli(['scan', join(IN, 'privileged.yaml'), '--profile', 'pss-baseline', '--mode', 'audit']);
  t.equal(audit.code, 0, 'audit mode denies nothing');
  t.match(audit.stdout, /^would deny Pod shop\/priv/m);
  t.match(audit.stdout, /^ {2}would deny \S+ +pss-privileged:/m);
  t.notMatch(audit.stdout, /DENY/, 'no DENY or DENIED anywhere');
  const enforce = await runCli(['scan', join(IN, 'privileged.yaml'), '--profile', 'pss-baseline']);
  t.equal(enforce.code, 1);
  t.match(enforce.stdout, /^DENIED Pod shop\/priv/m);
  t.match(enforce.stdout, /^ {2}DENY +\S+ +pss-privileged:/m);
});
