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
