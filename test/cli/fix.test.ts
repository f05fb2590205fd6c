/**
 * `kube-posture fix` as a user runs it: the real CLI on real files with comments, a diff by default,
 * --write in place, idempotent, and what it cannot fix listed with exit 1 (issue #15).
 */
import t from 'tap';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/policies.js';
import { runCli } from '../helpers/cli.js';

const IN = join(FIXTURES, 'fix');

async function workdir(t: { teardown(fn: () => unknown): void }, ...files: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kp-fix-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const f of files) await copyFile(join(IN, f), join(dir, f));
  return dir;
}

t.test('by default fix prints a unified diff and leaves the file alone', async (t) => {
  const dir = await workdir(t, 'web.yaml');
  const before = await readFile(join(dir, 'web.yaml'), 'utf8');
  const r = await runCli(['fix', 'web.yaml', '--profile', 'pss-restricted'], { cwd: dir });
  t.equal(r.code, 0, `every finding is fixable: ${r.stderr}`);
  t.match(r.stdout, /^--- a\/web\.yaml\n\+\+\+ b\/web\.yaml\n@@ -\d+,\d+ \+\d+,\d+ @@\n/);
  t.match(r.stdout, /^- {10}privileged: true # why\?\n\+ {10}privileged: false # why\?$/m, 'the comment stays on its line');
  t.match(r.stdout, /^-      hostNetwork: true  # legacy\n\+      hostNetwork: false # legacy$/m, 'host namespaces set false, as the remediation says');
  t.match(r.stdout, /^\+ {10}allowPrivilegeEscalation: false$/m);
  t.match(r.stdout, /^\+ {8}securityContext: \{capabilities: \{drop: \[NET_RAW, ALL\]\}, allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: \{type: RuntimeDefault\}\}$/m, 'a flow mapping stays a flow mapping');
  t.notMatch(r.stdout, /^[-+].*(matchLabels|containerPort|kind: Service|image:)/m, 'untouched lines are not in the diff');
  t.match(r.stderr, /10 finding\(s\) fixable in 1 file\(s\); 0 cannot be fixed mechanically/);
  t.equal(await readFile(join(dir, 'web.yaml'), 'utf8'), before, 'nothing written without --write');
});

t.test('--write rewrites in place keeping comments, key order and untouched lines; a second run changes nothing', async (t) => {
  const dir = await workdir(t, 'web.yaml');
  const file = join(dir, 'web.yaml');
  const before = await readFile(file, 'utf8');
  const r = await runCli(['fix', '--write', 'web.yaml', '--profile', 'pss-restricted'], { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '', 'no diff with --write');
  t.match(r.stderr, /fixed web\.yaml: 10 finding\(s\)/);
  const after = await readFile(file, 'utf8');
  // Every line of the original that no fix touched is there, verbatim and in order.
  const touched = new Set(['      hostNetwork: true  # legacy', '          privileged: true # why?', '        securityContext: {capabilities: {drop: [NET_RAW]}}']);
  const kept = before.split('\n').filter((l) => !touched.has(l));
  const afterLines = after.split('\n');
  let at = 0;
  for (const line of kept) {
    const found = afterLines.indexOf(line, at);
    t.ok(found >= at, `kept in order: ${JSON.stringify(line)}`);
    if (found >= at) at = found + 1;
  }
  t.match(after, /\n {10}privileged: false # why\?\n {10}allowPrivilegeEscalation: false\n/, 'new keys follow the existing ones');
  const scan = await runCli(['scan', 'web.yaml', '--profile', 'pss-restricted'], { cwd: dir });
  t.equal(scan.code, 0, `the fixed file passes the profile it was fixed for: ${scan.stdout}`);
  t.match(scan.stdout, /2 object\(s\) scanned: 0 would be denied; findings: 0 deny, 0 warn, 0 audit/);

  const again = await runCli(['fix', '--write', 'web.yaml', '--profile', 'pss-restricted'], { cwd: dir });
  t.equal(again.code, 0);
  t.equal(await readFile(file, 'utf8'), after, 'idempotent: the second run writes the same bytes');
  t.match(again.stderr, /^0 finding\(s\) fixed in 0 file\(s\); 0 cannot be fixed mechanically$/m);
  const diff = await runCli(['fix', 'web.yaml', '--profile', 'pss-restricted'], { cwd: dir });
  t.equal(diff.stdout, '', 'and no diff is left');
});

t.test('what cannot be fixed is listed on stderr (policy, object, path) and is exit 1', async (t) => {
  const dir = await workdir(t, 'debug.yaml');
  const r = await runCli(['fix', '--write', 'debug.yaml', '--profile', 'pss-restricted'], { cwd: dir });
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, /^cannot fix: debug\.yaml:12 Pod shop\/debug pss-capabilities-restricted at spec\.containers\[0\]\.securityContext\.capabilities\.add\[0\]: container "shell": securityContext\.capabilities\.add may only include "NET_BIND_SERVICE", not "SYS_ADMIN" \(not mechanically fixable: a person has to decide\)$/m);
  t.match(r.stderr, /; 1 cannot be fixed mechanically/);
  const after = await readFile(join(dir, 'debug.yaml'), 'utf8');
  t.match(after, /add: \["SYS_ADMIN"\] {3}# a person has to decide about this one\n {10}drop:\n {12}- ALL\n/, 'the rest is fixed, the comment kept');
  const again = await runCli(['fix', '--write', 'debug.yaml', '--profile', 'pss-restricted'], { cwd: dir });
  t.equal(again.code, 1, 'still not fixable');
  t.equal(await readFile(join(dir, 'debug.yaml'), 'utf8'), after, 'and nothing more changes');
});

t.test('input errors are exit 2 and the file is left as it is', async (t) => {
  const dir = await workdir(t, 'duplicate.yaml');
  const before = await readFile(join(dir, 'duplicate.yaml'), 'utf8');
  const r = await runCli(['fix', '--write', 'duplicate.yaml', '--profile', 'all'], { cwd: dir });
  t.equal(r.code, 2);
  t.match(r.stderr, /kube-posture fix: duplicate\.yaml:5: duplicate mapping key/);
  t.equal(await readFile(join(dir, 'duplicate.yaml'), 'utf8'), before);
  t.equal((await runCli(['fix', '-', '--profile', 'all'])).code, 2, 'standard input cannot be fixed in place');
  t.equal((await runCli(['fix', join(dir, 'missing.yaml')])).code, 2, 'a missing file');
});

t.test('fix reads manifests with scan\'s reader: an AdmissionReview is unwrapped, parser warnings carry their file', async (t) => {
  const dir = t.testdir({
    'review.yaml': 'apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\nrequest:\n  uid: u1\n  operation: CREATE\n  object:\n    apiVersion: v1\n    kind: Pod\n    metadata: { name: wrapped, namespace: shop }\n    spec:\n      hostNetwork: true\n      containers: [{ name: app, image: "registry.example.com/app:1.0" }]\n',
    'tagged.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: tagged, namespace: shop }\ndata:\n  a: !custom value\n',
  });
  const r = await runCli(['fix', 'review.yaml', '--profile', 'pss-baseline'], { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^- {6}hostNetwork: true\n\+ {6}hostNetwork: false$/m, 'the object inside the review is fixed, as scan judges it');
  const w = await runCli(['fix', 'tagged.yaml', '--profile', 'all'], { cwd: dir });
  t.match(w.stderr, /^kube-posture fix: warning: tagged\.yaml:5: .*!custom/m, 'the warning names its file and line');
  t.notMatch(w.stderr, /YAMLWarning/, 'not the yaml package\'s own warning without a file');
});

t.test('a Kustomize root is walked as files (fix edits what is on disk; scan renders it)', async (t) => {
  const dir = t.testdir({
    app: {
      'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - base/pod.yaml\n',
      base: { 'pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: { name: worker, namespace: shop }\nspec:\n  hostNetwork: true   # legacy\n  containers:\n    - { name: worker, image: "registry.example.com/worker:1.0" }\n' },
    },
  });
  const r = await runCli(['fix', 'app', '--profile', 'pss-baseline'], { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^--- a\/app\/base\/pod\.yaml\n\+\+\+ b\/app\/base\/pod\.yaml\n/m);
  t.match(r.stdout, /^-  hostNetwork: true {3}# legacy\n\+  hostNetwork: false # legacy$/m);
});
