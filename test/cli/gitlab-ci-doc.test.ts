/**
 * The GitLab CI job in docs/ci.md: its kube-posture lines run as processes, as written, write the artefacts
 * the job declares, and the last one decides the job. Only the installed binary is the source.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bash, install, privileged, ROOT } from '../helpers/ci-install.js';

t.test('docs/ci.md GitLab job: its kube-posture lines run, write the artefacts it declares, and the last decides', async (t) => {
  const doc = readFileSync(join(ROOT, 'docs/ci.md'), 'utf8');
  const block = /## GitLab CI\n\n```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  t.ok(block, 'the GitLab CI block is there');
  const job = (parse(block ?? '') as Record<string, { script: string[]; artifacts: { when: string; paths: string[]; reports: { junit: string } } }>)['kube-posture']!;
  t.equal(job.artifacts.when, 'always', 'artefacts are kept when the job fails');
  const scans = job.script.filter((line) => line.startsWith('kube-posture scan'));
  t.equal(scans.length, 3);
  const dir = t.testdir({ repo: { '.git': {}, k8s: { 'pod.yaml': privileged } } });
  const { env } = install(dir);
  const repo = join(dir, 'repo');
  const codes: number[] = [];
  for (const line of scans) codes.push((await bash(line, env, repo)).code);
  t.same(codes, [0, 0, 1], 'the report lines pass, the deciding scan fails on the privileged pod');
  for (const file of job.artifacts.paths) t.ok(readFileSync(join(repo, file), 'utf8').length > 0, `${file} written`);
  t.match(readFileSync(join(repo, job.artifacts.reports.junit), 'utf8'), /<testsuites name="kube-posture"/, 'the JUnit report is the junit artefact');
  t.match(readFileSync(join(repo, 'kube-posture.md'), 'utf8'), /^### kube-posture/);
});
