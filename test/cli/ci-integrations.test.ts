/**
 * What people copy into pipelines: action.yml (a composite GitHub Action). Its structure is checked, and the kube-posture
 * commands it runs are run as processes, as written: the step scripts under bash with the variables GitHub
 * would set (.pre-commit-hooks.yaml: pre-commit-hooks.test.ts). The GitLab CI job in docs/ci.md: gitlab-ci-doc.test.ts. Only the installed binary is replaced by the source (no build needed).
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bash, install, privileged, clean, ROOT, type Action } from '../helpers/ci-install.js';

/** `${{ inputs.x }}`, `${{ steps.scan.outputs.y }}` as GitHub expands them in `env:`. */
function expand(value: string, inputs: Record<string, string>, outputs: Record<string, string>): string {
  return value.replace(/\$\{\{\s*(inputs|steps\.scan\.outputs)\.([\w-]+)\s*\}\}/g, (_, scope: string, key: string) => (scope === 'inputs' ? inputs[key] : outputs[key]) ?? '');
}

t.test('action.yml: a composite action that sets up node, scans to SARIF, uploads it and writes a job summary', async (t) => {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Action;
  t.equal(action.runs.using, 'composite');
  t.ok(action.name && action.description);
  for (const [name, input] of Object.entries(action.inputs)) t.ok(input.description, `input ${name} is described`);
  const uses = action.runs.steps.map((s) => s.uses).filter(Boolean);
  t.ok(uses.some((u) => /^actions\/setup-node@v\d+$/.test(u!)), 'sets up node');
  const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  t.ok(upload, 'uploads SARIF with github/codeql-action/upload-sarif');
  t.equal(upload?.with?.sarif_file, '${{ steps.scan.outputs.sarif-file }}');
  for (const s of action.runs.steps) if (s.run !== undefined) t.equal(s.shell, 'bash', `${s.name}: a composite run step names its shell`);
  for (const s of action.runs.steps) if (s.run !== undefined) t.notMatch(s.run, /\$\{\{/, `${s.name}: inputs reach scripts through env, never spliced into the script`);
  t.ok(action.runs.steps.some((s) => s.run?.includes('-o markdown >> "$GITHUB_STEP_SUMMARY"')), 'job summary from -o markdown');
});

t.test('action.yml: its scripts, run as GitHub runs them, scan and fail the job as scan says', async (t) => {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Action;
  // A repository root (`.git`): SARIF paths are relative to it, as in a GitHub workspace.
  const dir = t.testdir({ repo: { '.git': {}, k8s: { 'pod.yaml': privileged, 'cm.yaml': clean } }, tmp: {} });
  const { actionPath, env } = install(dir);
  const repo = join(dir, 'repo');
  const run = async (inputs: Record<string, string>) => {
    const values = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, inputs[k] ?? v.default ?? '']));
    const outputFile = join(dir, 'tmp', `output-${Math.random()}`);
    const summary = join(dir, 'tmp', `summary-${Math.random()}`);
    writeFileSync(outputFile, '');
    writeFileSync(summary, '');
    const outputs: Record<string, string> = {};
    const results: { name: string; code: number; stderr: string }[] = [];
    for (const step of action.runs.steps) {
      if (step.run === undefined || step.name === 'Install kube-posture') continue;
      const stepEnv: NodeJS.ProcessEnv = { ...env, GITHUB_ACTION_PATH: actionPath, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: join(dir, 'tmp') };
      for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = expand(v, values, outputs);
      const r = await bash(step.run, stepEnv, repo);
      results.push({ name: step.name ?? '', code: r.code, stderr: r.stderr });
      for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
        const m = /^([\w-]+)=(.*)$/.exec(line);
        if (m) outputs[m[1]!] = m[2]!;
      }
    }
    return { outputs, results, summary: readFileSync(summary, 'utf8') };
  };

  const failing = await run({ paths: 'k8s' });
  t.equal(failing.outputs['exit-code'], '1', 'a privileged pod: exit code 1');
  const sarif = JSON.parse(readFileSync(failing.outputs['sarif-file']!, 'utf8')) as { version: string; runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
  t.equal(sarif.version, '2.1.0');
  t.ok(sarif.runs[0]!.results.some((r) => r.ruleId === 'pss-privileged'), 'the SARIF file holds the finding');
  t.ok(sarif.runs[0]!.results.every((r) => r.locations[0]!.physicalLocation.artifactLocation.uri.startsWith('k8s/')), 'paths relative to the repository');
  t.match(failing.summary, /^### kube-posture/m, 'the job summary is the markdown report');
  t.equal(failing.results.at(-1)!.code, 1, 'the last step fails the job with the scan\'s code');
  t.ok(failing.results.slice(0, -1).every((r) => r.code === 0), `the other steps succeed: ${JSON.stringify(failing.results)}`);

  const baselineFile = join(dir, 'baseline.json');
  const write = await bash(`kube-posture scan k8s --write-baseline ${baselineFile}`, env, repo);
  t.equal(write.code, 0, write.stderr);
  const accepted = await run({ paths: 'k8s', baseline: baselineFile, profile: 'recommended,pss-restricted' });
  t.equal(accepted.outputs['exit-code'], '0', 'with a baseline of today\'s findings: exit 0');
  t.equal(accepted.results.at(-1)!.code, 0);

  const broken = await run({ paths: 'k8s/missing.yaml' });
  t.equal(broken.outputs['exit-code'], '2', 'unreadable input: exit 2 fails the job');
  t.equal(broken.results.at(-1)!.code, 2);
});


