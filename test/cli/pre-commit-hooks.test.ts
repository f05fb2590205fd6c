/**
 * .pre-commit-hooks.yaml: well-formed hooks whose entries, run as pre-commit runs them (the entry, then the
 * staged files that match), are valid kube-posture scans. Only the installed binary is the source.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bash, install, privileged, clean, ROOT } from '../helpers/ci-install.js';

t.test('.pre-commit-hooks.yaml: well-formed hooks whose entries are valid scans', async (t) => {
  const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as { id: string; name: string; entry: string; language: string; files?: string; pass_filenames?: boolean }[];
  t.ok(Array.isArray(hooks) && hooks.length > 0);
  const dir = t.testdir({ repo: { k8s: { 'pod.yaml': privileged, 'cm.yaml': clean }, '.github': { 'workflow.yml': 'on: push\n' } } });
  const { env } = install(dir);
  const repo = join(dir, 'repo');
  const baseline = await bash('kube-posture scan k8s/cm.yaml --write-baseline .kube-posture-baseline.json', env, repo);
  t.equal(baseline.code, 0, baseline.stderr);
  for (const hook of hooks) {
    for (const key of ['id', 'name', 'entry', 'language'] as const) t.type(hook[key], 'string', `${hook.id}: ${key}`);
    t.ok(['system', 'node', 'docker_image'].includes(hook.language), `${hook.id}: a pre-commit language`);
    t.ok(hook.entry.startsWith('kube-posture scan '), `${hook.id}: runs kube-posture scan`);
    const files = new RegExp(hook.files ?? '');
    t.ok(files.test('k8s/pod.yaml'), `${hook.id}: matches manifests`);
    t.notOk(files.test('.github/workflow.yml'), `${hook.id}: leaves other YAML alone`);
    // As pre-commit runs it: the entry, then the matching staged files.
    const bad = await bash(`${hook.entry} k8s/pod.yaml k8s/cm.yaml`, env, repo);
    t.equal(bad.code, 1, `${hook.id}: a privileged pod fails the commit`);
    const good = await bash(`${hook.entry} k8s/cm.yaml`, env, repo);
    t.equal(good.code, 0, `${hook.id}: a clean file passes: ${good.stderr}`);
  }
});
