/** kube-posture.io/ignore in `scan`, through the real CLI on real files: the same core decision the webhook makes. */
import t from 'tap';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const pod = (annotations: string) => `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: team
  annotations:
${annotations}
spec:
  containers:
    - name: app
      image: registry.example.com/app:latest
      securityContext: { privileged: true }
`;

t.test('scan: a warn policy is exempt with its reason (table and JSON); a deny policy is not, and says so', async (t) => {
  const dir = t.testdir({
    'p.yaml': pod('    kube-posture.io/ignore: disallow-latest-tag,pss-privileged\n    kube-posture.io/ignore-reason: "vendor image; SEC-7"'),
    'noreason.yaml': pod('    kube-posture.io/ignore: disallow-latest-tag'),
    'all.yaml': 'ignoreAnnotations: { allow: all }\n',
  });
  const table = await runCli(['scan', join(dir, 'p.yaml')]);
  t.equal(table.code, 1, 'the privileged container still fails the scan');
  t.match(table.stdout, /exempt disallow-latest-tag: annotation kube-posture\.io\/ignore: vendor image; SEC-7/, 'the exemption is listed with its reason');
  t.notMatch(table.stdout, /WARN .*disallow-latest-tag/);
  t.match(table.stdout, /DENY +critical pss-privileged: .*\(kube-posture\.io\/ignore not honoured for a deny-level policy \(ignoreAnnotations\.allow: warn-only\)\)/);

  const json = JSON.parse((await runCli(['scan', join(dir, 'p.yaml'), '-o', 'json'])).stdout) as { objects: { policyExemptions: { policyId: string; reason: string }[] }[] };
  t.same(json.objects[0]!.policyExemptions.filter((e) => e.policyId === 'disallow-latest-tag'), [{ policyId: 'disallow-latest-tag', reason: 'annotation kube-posture.io/ignore: vendor image; SEC-7' }]);

  const allowed = await runCli(['scan', join(dir, 'p.yaml'), '--config', join(dir, 'all.yaml')]);
  t.match(allowed.stdout, /exempt pss-privileged: annotation kube-posture\.io\/ignore: vendor image; SEC-7/, 'allow: all switches a deny policy off, reported');
  t.notMatch(allowed.stdout, /DENY +critical pss-privileged/);

  const noReason = await runCli(['scan', join(dir, 'noreason.yaml')]);
  t.match(noReason.stdout, /WARN .*disallow-latest-tag: .*\(kube-posture\.io\/ignore not honoured: no kube-posture\.io\/ignore-reason annotation\)/);
});

/** A namespace that runs a workload and has no NetworkPolicy: `netpol-namespace-without-policy` (a cluster policy, warn in recommended). */
const namespaceWithoutPolicy = (annotations: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: lab
${annotations === '' ? '' : `  annotations:\n${annotations}\n`}---
apiVersion: v1
kind: Pod
metadata:
  name: job
  namespace: lab
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
`;
type Scanned = { objects: { kind: string; name: string; allowed: boolean; policyExemptions?: { policyId: string; reason: string }[]; findings: { policyId: string; action: string; message: string }[] }[] };

t.test('scan: a cluster policy honours kube-posture.io/ignore on the object its finding is about, by the same rule', async (t) => {
  const dir = t.testdir({
    'plain.yaml': namespaceWithoutPolicy(''),
    'ignored.yaml': namespaceWithoutPolicy('    kube-posture.io/ignore: netpol-namespace-without-policy\n    kube-posture.io/ignore-reason: "batch sandbox, no ingress; NET-12"'),
    'noreason.yaml': namespaceWithoutPolicy('    kube-posture.io/ignore: netpol-namespace-without-policy'),
    'deny.yaml': 'policies:\n  netpol-namespace-without-policy: { action: deny }\n',
    'deny-all.yaml': 'policies:\n  netpol-namespace-without-policy: { action: deny }\nignoreAnnotations: { allow: all }\n',
  });
  const json = async (file: string, extra: string[] = []) => {
    const r = await runCli(['scan', join(dir, file), '--profile', 'recommended', '-o', 'json', ...extra]);
    const ns = (JSON.parse(r.stdout) as Scanned).objects.find((o) => o.kind === 'Namespace')!;
    return { code: r.code, ns, finding: ns.findings.find((f) => f.policyId === 'netpol-namespace-without-policy'), exempt: (ns.policyExemptions ?? []).filter((e) => e.policyId === 'netpol-namespace-without-policy') };
  };

  const plain = await json('plain.yaml');
  t.equal(plain.finding?.action, 'warn', 'without the annotation the namespace is reported');

  const ignored = await json('ignored.yaml');
  t.equal(ignored.code, 0);
  t.equal(ignored.finding, undefined, 'the honoured annotation switches the cluster policy off for that namespace');
  t.same(ignored.exempt, [{ policyId: 'netpol-namespace-without-policy', reason: 'annotation kube-posture.io/ignore: batch sandbox, no ingress; NET-12' }], 'reported as exempt with the reason');
  const table = await runCli(['scan', join(dir, 'ignored.yaml'), '--profile', 'recommended']);
  t.equal(table.code, 0);
  t.match(table.stdout, /exempt netpol-namespace-without-policy: annotation kube-posture\.io\/ignore: batch sandbox, no ingress; NET-12/, 'the table lists the exemption');
  t.notMatch(table.stdout, /WARN .*netpol-namespace-without-policy/);

  const noReason = await json('noreason.yaml');
  t.equal(noReason.finding?.message.endsWith('(kube-posture.io/ignore not honoured: no kube-posture.io/ignore-reason annotation)'), true, noReason.finding?.message ?? 'no finding');
  t.same(noReason.exempt, []);

  const deny = await json('ignored.yaml', ['--config', join(dir, 'deny.yaml')]);
  t.equal(deny.code, 1, 'a deny-level cluster policy is not ignorable by default: the scan fails');
  t.match(deny.finding?.message, /\(kube-posture\.io\/ignore not honoured for a deny-level policy \(ignoreAnnotations\.allow: warn-only\)\)$/);
  const denyAll = await json('ignored.yaml', ['--config', join(dir, 'deny-all.yaml')]);
  t.equal(denyAll.code, 0, 'allow: all switches it off');
  t.equal(denyAll.finding, undefined);
  t.equal(denyAll.exempt.length, 1);
});
