/**
 * Helm charts and Kustomize roots in `scan`'s input are rendered, not parsed as raw templates: given
 * directly or met in a directory walk, with values passed through; findings point at the template
 * (Helm's `# Source:` comments). Without the renderer: exit 2 with the pipe command to run. Parser
 * warnings carry their file name. The real CLI runs as a process on real files (helm from .tools/bin or
 * PATH, kubectl from PATH or test/e2e/.bin).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from '../helpers/policies.js';

const DIR = join(FIXTURES, 'scan-render');
const APP = join(DIR, 'app');
const CHART = join(APP, 'chart');
const KUSTOMIZE = join(APP, 'kustomize');
const E2E_BIN = fileURLToPath(new URL('../e2e/.bin', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }
function scan(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'scan', '--profile', 'pss-baseline', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${process.env.PATH ?? ''}${delimiter}${E2E_BIN}`, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
type JsonReport = { errors?: { code: string; message: string }[]; objects: { kind: string; name: string; namespace?: string; file: string; line: number; findings: { policyId: string; line?: number }[] }[] };
const json = (r: Run) => JSON.parse(r.stdout) as JsonReport;

t.test('a chart given directly is rendered; values pass through; findings point at the template', async (t) => {
  const clean = await scan([CHART, '-o', 'json']);
  t.equal(clean.code, 0, clean.stderr);
  t.same(json(clean).objects.map((o) => `${o.kind}/${o.name} ${o.file.slice(CHART.length + 1)}:${o.line}`).sort(), ['Deployment/release-name-web templates/deployment.yaml:1', 'Service/release-name-web templates/service.yaml:1']);
  const viaValues = await scan([CHART, '--helm-values', join(DIR, 'privileged-values.yaml'), '-o', 'json']);
  t.equal(viaValues.code, 1, 'privileged: true from the values file is denied');
  const dep = json(viaValues).objects.find((o) => o.kind === 'Deployment')!;
  t.match(dep.file, /chart\/templates\/deployment\.yaml$/);
  t.same(dep.findings.filter((f) => f.policyId === 'pss-privileged').map((f) => f.line), [14], 'the line of privileged in the template');
  const viaSet = await scan([CHART, '--helm-set', 'privileged=true', '--helm-release', 'shop', '--helm-namespace', 'prod', '-o', 'json']);
  t.equal(viaSet.code, 1, '--helm-set too');
  t.same(json(viaSet).objects.map((o) => o.name).sort(), ['shop-web', 'shop-web'], 'the release name');
});

t.test('a directory walk renders the charts and Kustomize roots it meets and reads the rest as manifests', async (t) => {
  const r = await scan([APP, '-o', 'json']);
  t.equal(r.code, 1, 'the hostNetwork pod of the kustomization is denied');
  t.notMatch(r.stderr, /not a Kubernetes object|KP_ERR_INPUT/, 'Chart.yaml, values.yaml, the templates and kustomization.yaml are not read as manifests');
  const objects = json(r).objects;
  t.same(objects.map((o) => `${o.kind}/${o.namespace ?? ''}/${o.name}`).sort(), ['ConfigMap//plain', 'Deployment//release-name-web', 'Pod/shop/prod-worker', 'Service//release-name-web']);
  const pod = objects.find((o) => o.kind === 'Pod')!;
  t.equal(pod.file, `${KUSTOMIZE} (kustomize build)`);
  t.ok(pod.findings.some((f) => f.policyId === 'pss-host-namespaces'));
});

t.test('without the renderer: exit 2 and the exact pipe command', async (t) => {
  const noHelm = await scan([CHART, '--helm-set', 'privileged=true'], { KP_HELM: '/nonexistent/helm', PATH: '/nonexistent' });
  t.equal(noHelm.code, 2);
  t.match(noHelm.stderr, `${CHART}: a Helm chart (Chart.yaml), and helm is not installed`);
  t.match(noHelm.stderr, `helm template release-name ${CHART} --set privileged=true | kube-posture scan - [KP_ERR_INPUT_RENDER]`);
  const noKubectl = await scan([KUSTOMIZE], { PATH: '/nonexistent' });
  t.equal(noKubectl.code, 2);
  t.match(noKubectl.stderr, `kubectl kustomize ${KUSTOMIZE} | kube-posture scan - [KP_ERR_INPUT_RENDER]`);
  const broken = await scan([CHART, '--helm-values', join(DIR, 'no-such-values.yaml')]);
  t.equal(broken.code, 2, 'a renderer that fails is exit 2');
  t.match(broken.stderr, /helm template .* failed \(exit 1\): .*no-such-values\.yaml/);
});

t.test('parser warnings reach stderr with their file name and line, never bare', async (t) => {
  const file = join(DIR, 'warnings', 'odd.yaml');
  const r = await scan([file]);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('note: not run'));
  t.ok(lines.length > 0, 'the unresolved tag is reported');
  for (const l of lines) t.match(l, `kube-posture scan: warning: ${file}:`, 'every warning names its file');
  t.match(r.stderr, `${file}:5: Unresolved tag: !custom`);
  t.match(r.stderr, `${file}:6: Unresolved tag: !!binary`);
});
