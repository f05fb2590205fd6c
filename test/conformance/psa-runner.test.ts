/**
 * The conformance runner itself, on fixtures written here: it must count agreements, report each
 * disagreement with our findings, and report fixtures it cannot evaluate.
 */
import t from 'tap';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { disagreementCount, fixtureCount, formatPsaReport, psaVersions, runPsaConformance, runPsaGroup } from '../../src/conformance/psa.js';

const pod = (name: string, spec: string): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const plain = pod('plain', '  containers:\n  - name: app\n    image: app\n');
const privileged = pod('priv', '  containers:\n  - name: app\n    image: app\n    securityContext:\n      privileged: true\n');
const hostProbe = pod('probe', '  containers:\n  - name: app\n    image: app\n    livenessProbe:\n      httpGet:\n        port: 80\n        host: 10.0.0.1\n');

async function layout(files: Record<string, string>): Promise<string> {
  const root = t.testdir({});
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), text);
  }
  return root;
}

t.test('agreements are counted and disagreements carry our findings', async (t) => {
  const root = await layout({
    'baseline/v1.30/pass/base.yaml': plain,
    'baseline/v1.30/pass/wrong.yaml': privileged, // we deny it: a disagreement
    'baseline/v1.30/fail/privileged0.yaml': privileged,
    'baseline/v1.30/fail/wrong.yaml': plain, // we allow it: a disagreement
  });
  const g = await runPsaGroup(root, 'baseline', 'v1.30');
  t.match(g, { passTotal: 2, passAllowed: 1, failTotal: 2, failDenied: 1 });
  t.equal(g.disagreements.length, 2);
  const wrongPass = g.disagreements.find((d) => d.fixture === 'pass/wrong.yaml');
  t.equal(wrongPass?.expected, 'allowed');
  t.match(wrongPass?.findings.join('\n'), /\[pss-privileged\].*securityContext\.privileged/);
  t.same(g.disagreements.find((d) => d.fixture === 'fail/wrong.yaml')?.findings, ['no findings']);
});

t.test('the policy set is pinned to the version of the folder', async (t) => {
  // A probe host is forbidden from v1.34 only.
  const root = await layout({ 'baseline/v1.33/pass/probe.yaml': hostProbe, 'baseline/v1.34/fail/probe.yaml': hostProbe });
  const report = await runPsaConformance(root);
  t.same(report.groups.map((g) => g.version), ['v1.34', 'v1.33'], 'newest first');
  t.equal(disagreementCount(report), 0);
  t.equal(fixtureCount(report), 2);
});

t.test('unreadable fixtures are disagreements, not crashes', async (t) => {
  const root = await layout({
    'restricted/v1.37/fail/broken.yaml': 'kind: Pod\nspec: [unclosed\n',
    'restricted/v1.37/fail/two.yaml': `${privileged}---\n${privileged}`,
  });
  const g = await runPsaGroup(root, 'restricted', 'v1.37');
  t.equal(g.disagreements.length, 2);
  for (const d of g.disagreements) t.match(d.findings[0], /^not evaluated: /);
});

t.test('versions sort numerically and stray folders are ignored', async (t) => {
  const root = await layout({ 'baseline/v1.9/pass/a.yaml': plain, 'baseline/v1.10/pass/a.yaml': plain, 'baseline/latest/pass/a.yaml': plain, 'baseline/v1.2/pass/a.yaml': plain });
  t.same(await psaVersions(root, 'baseline'), ['v1.2', 'v1.9', 'v1.10']);
});

t.test('the table has a row per level and version and totals per level', async (t) => {
  const root = await layout({ 'baseline/v1.37/pass/base.yaml': plain, 'restricted/v1.37/fail/plain.yaml': plain, 'restricted/v1.37/pass/plain.yaml': plain });
  const text = formatPsaReport(await runPsaConformance(root));
  t.match(text, /^baseline\s+v1\.37\s+1\/1\s+0\/0\s+0$/m);
  t.match(text, /^restricted\s+v1\.37\s+0\/1\s+1\/1\s+1$/m, 'a plain pod breaks restricted');
  t.match(text, /restricted v1\.37 pass\/plain\.yaml: expected allowed/);
  t.match(text, /^restricted: 1 versions, pass allowed 0\/1, fail denied 1\/1, disagreements 1$/m);
  t.match(text, /^total: 3 fixtures, 1 disagreements$/m);
});
