/** `scan --write-baseline` and `--baseline` through the real CLI on real files, in every format. */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { runCli } from '../helpers/cli.js';
import { parseBaseline } from '../../src/results/baseline.js';

const privileged = (name: string) => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: team }
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext: { privileged: true }
`;

t.test('a baseline accepts today\'s findings, survives moved lines, and fails only on new ones', async (t) => {
  const dir = t.testdir({ 'app.yaml': privileged('old') });
  const app = join(dir, 'app.yaml');
  const file = join(dir, 'baseline.json');
  const before = await runCli(['scan', app]);
  t.equal(before.code, 1, 'without a baseline the privileged pod fails');

  const wrote = await runCli(['scan', app, '--write-baseline', file]);
  t.equal(wrote.code, 0, 'the run that writes the baseline passes');
  t.match(wrote.stderr, /wrote \d+ finding\(s\) to the baseline/);
  const baseline = parseBaseline(readFileSync(file, 'utf8'), file);
  t.equal(baseline.version, 1);
  t.ok(baseline.findings.some((f) => f.policyId === 'pss-privileged' && f.name === 'old' && f.path === 'spec.containers[0].securityContext.privileged'));
  t.notOk(readFileSync(file, 'utf8').includes(dir), 'no file names or lines: a baseline survives moves');

  // The same object, moved down a file it now shares with comments: still baselined.
  writeFileSync(app, `# moved\n# again\n\n${privileged('old')}`);
  const same = await runCli(['scan', app, '--baseline', file]);
  t.equal(same.code, 0, 'nothing new: exit 0');
  t.match(same.stdout, /DENY +critical pss-privileged: .* \(baselined\)/, 'baselined findings are listed, marked');
  t.match(same.stdout, /; \d+ baselined/);

  writeFileSync(app, `${privileged('old')}---\n${privileged('new')}`);
  const added = await runCli(['scan', app, '--baseline', file]);
  t.equal(added.code, 1, 'a new privileged pod fails');
  t.match(added.stdout, /DENIED Pod team\/new/);

  const json = JSON.parse((await runCli(['scan', app, '--baseline', file, '-o', 'json'])).stdout) as { objects: { name: string; findings: { policyId: string; baselined?: boolean }[] }[] };
  const priv = (name: string) => json.objects.find((o) => o.name === name)!.findings.find((f) => f.policyId === 'pss-privileged')!;
  t.equal(priv('old').baselined, true, 'json: marked baselined');
  t.equal(priv('new').baselined, undefined, 'json: the new one is not');

  const sarif = JSON.parse((await runCli(['scan', app, '--baseline', file, '-o', 'sarif'])).stdout) as { runs: { results: { ruleId: string; message: { text: string }; suppressions?: { kind: string; status: string }[] }[] }[] };
  const results = sarif.runs[0]!.results.filter((r) => r.ruleId === 'pss-privileged');
  t.equal(results.length, 2, 'sarif: both are results');
  t.same(results.find((r) => r.message.text.includes('team/old'))!.suppressions?.map((s) => [s.kind, s.status]), [['external', 'accepted']], 'sarif: the baselined one is suppressed');
  t.equal(results.find((r) => r.message.text.includes('team/new'))!.suppressions, undefined);

  const junit = await runCli(['scan', app, '--baseline', file, '-o', 'junit']);
  const xml = new XMLParser({ ignoreAttributes: false }).parse(junit.stdout) as { testsuites: { '@_failures': string } };
  t.equal(xml.testsuites['@_failures'], '1', 'junit: only the new object fails');
  t.match(junit.stdout, /baselined deny: \[pss-privileged\]/, 'junit: the baselined one is in system-out, named');

  const md = await runCli(['scan', app, '--baseline', file, '-o', 'markdown']);
  t.match(md.stdout, /\*\*Baseline:\*\* \d+ finding\(s\) are in the baseline and do not fail; \d+ are new\./);

  const html = await runCli(['scan', app, '--baseline', file, '-o', 'html']);
  t.ok(html.stdout.includes('(baselined: in the scan --baseline file, not failing)'), 'html: the baselined finding says so');
});

t.test('a bad baseline is exit 2; a baseline is never written from input that was not all examined', async (t) => {
  const dir = t.testdir({ 'app.yaml': privileged('p'), 'bad.json': '{"kind":"KubePostureBaseline","version":7,"findings":[]}', 'broken.yaml': 'kind: [' });
  const bad = await runCli(['scan', join(dir, 'app.yaml'), '--baseline', join(dir, 'bad.json')]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /not a kube-posture baseline version 1/);
  const missing = await runCli(['scan', join(dir, 'app.yaml'), '--baseline', join(dir, 'none.json')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /cannot read baseline .*none\.json: ENOENT/);
  const partial = await runCli(['scan', join(dir, 'app.yaml'), join(dir, 'broken.yaml'), '--write-baseline', join(dir, 'out.json')]);
  t.equal(partial.code, 2);
  t.match(partial.stderr, /baseline not written/);
  t.throws(() => readFileSync(join(dir, 'out.json')), 'no file');
});
