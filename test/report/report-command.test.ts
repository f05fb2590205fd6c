/**
 * `kube-posture report` as a user runs it: input validated against the saved-scan schema (a bad file is
 * exit 2, named, and nothing is written), `-o` as a format or a file, and the Markdown summary with the
 * findings that are new since a previous scan (`--since`), also from `scan -o markdown --since`.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { saveScan, scansDir } from './report-fixtures.js';

t.test('bad input: exit 2 naming the file; nothing written', async (t) => {
  const dir = await scansDir(t);
  const good = await saveScan(dir, 'k8s', 0, 'good.json');
  const cases: [string, string, RegExp][] = [
    ['not-json.json', '{ nope', /not-json\.json: not JSON/],
    ['other.json', JSON.stringify({ kind: 'Something' }), /other\.json: not a saved kube-posture scan .*must have required property 'apiVersion'/],
    ['old.json', JSON.stringify({ ...good.doc, apiVersion: 'kube-posture.io/scan/v0' }), /old\.json: not a saved kube-posture scan .*\/apiVersion must be equal to constant/],
  ];
  for (const [name, text, message] of cases) {
    await writeFile(join(dir, name), text);
    const out = join(dir, `${name}.html`);
    const r = await runCli(['report', good.file, join(dir, name), '-o', out]);
    t.equal(r.code, 2, `${name}: exit 2`);
    t.match(r.stderr, message);
    t.notOk(existsSync(out), `${name}: no page written`);
  }
  const missing = await runCli(['report', join(dir, 'absent.json')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /absent\.json: cannot read: ENOENT/);
  const badOut = await runCli(['report', good.file, '-o', 'report.pdf']);
  t.equal(badOut.code, 2);
  t.match(badOut.stderr, /use html or markdown, or a file name ending in \.html or \.md/);
});

t.test('-o names the format (standard output) or the file (format by extension)', async (t) => {
  const dir = await scansDir(t);
  const scan = await saveScan(dir, 'k8s', 0, 'scan.json');
  const html = await runCli(['report', scan.file]);
  t.equal(html.code, 0);
  t.match(html.stdout, /^<!doctype html>/);
  const md = join(dir, 'summary.md');
  t.equal((await runCli(['report', scan.file, '-o', md])).code, 0);
  t.match(await readFile(md, 'utf8'), /^### kube-posture: /);
});

t.test('markdown: scores, counts by severity, top failing controls, new since a previous scan', async (t) => {
  const dir = await scansDir(t);
  // Two workloads fine in the first scan and broken in the later one: their findings are new.
  const before = await saveScan(dir, 'k8s', 2, 'before.json');
  const after = await saveScan(dir, 'k8s', 0, 'after.json');
  const r = await runCli(['report', after.file, '-o', 'markdown', '--since', before.file]);
  t.equal(r.code, 0, r.stderr);
  for (const f of after.doc.compliance.frameworks) t.match(r.stdout, `| ${f.name} | ${f.compliance === null ? 'n/a' : `${f.compliance.toFixed(1)}%`} |`);
  const sev = after.doc.summary.bySeverity;
  t.match(r.stdout, `**Findings by severity:** critical ${sev.critical}, high ${sev.high}, medium ${sev.medium}, low ${sev.low}, info ${sev.info}`);
  t.match(r.stdout, /\*\*Top failing controls\*\*/);
  const key = (o: { kind: string; name: string; namespace?: string }, f: { policyId: string; path: string }) => [o.kind, o.namespace, o.name, f.policyId, f.path].join('/');
  const old = new Set(before.doc.objects.flatMap((o) => o.findings.map((f) => key(o, f))));
  const added = after.doc.objects.flatMap((o) => o.findings.map((f) => key(o, f))).filter((k) => !old.has(k));
  const now = new Set(after.doc.objects.flatMap((o) => o.findings.map((f) => key(o, f))));
  const fixed = [...old].filter((k) => !now.has(k)).length;
  t.ok(added.length > 0, 'the fixture makes new findings');
  t.match(r.stdout, new RegExp(`\\*\\*Since .* at ${before.doc.generatedAt.replace(/\./g, '\\.')}:\\*\\* ${added.length} new finding\\(s\\), ${fixed} fixed\\.`));
  t.match(r.stdout, /Deployment (payments\/api|payments\/worker):/, 'the new findings are on the workloads broken again');
  t.notMatch(r.stdout, /Deployment shop\/web:/, 'findings that were already there are not new');

  const direct = await runCli(['scan', join(dir, 'k8s'), '-o', 'markdown', '--since', before.file, '--fail-on', 'never']);
  t.equal(direct.code, 0, direct.stderr);
  t.match(direct.stdout, `${added.length} new finding(s), ${fixed} fixed.`, 'scan -o markdown --since says the same');
  const wrong = await runCli(['scan', join(dir, 'k8s'), '-o', 'json', '--since', before.file]);
  t.equal(wrong.code, 2);
  t.match(wrong.stderr, /--since goes with -o markdown/);
});
