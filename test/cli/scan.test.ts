import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FIXTURES } from '../helpers/policies.js';

const exec = promisify(execFile);
const POLICIES = join(FIXTURES, 'user-policies', 'good');
const APP = join(FIXTURES, 'manifests', 'app.yaml');
const CLEAN = join(FIXTURES, 'manifests', 'clean.yaml');
// The built-in library is left out so that these tests pin the adapter's behaviour, not the library's.
const base = ['--import', 'tsx', 'src/cli/main.ts', 'scan', '--config', join(FIXTURES, 'scan-config.yaml'), '--no-builtin', '--profile', 'all', '--policy-dir', POLICIES];

async function scan(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', [...base, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

t.test('table: findings with rule, path, line and fix; exit 1 when something would be denied', async (t) => {
  const r = await scan([APP]);
  t.equal(r.code, 1);
  t.match(r.stdout, /DENIED Deployment shop\/web/);
  t.match(r.stdout, /DENY  high {5}demo-privileged: container "sidecar": securityContext.privileged must be false/);
  t.match(r.stdout, /at spec\.template\.spec\.containers\[1\]\.securityContext\.privileged \(line 23\)/);
  t.match(r.stdout, /fix: Set securityContext\.privileged to false/);
  t.match(r.stdout, /WARN .*demo-container-image: container "sidecar": image must name a tag or digest/);
  t.match(r.stdout, /WARN .*demo-service-type: Service type "NodePort" is not allowed/);
  t.match(r.stdout, /3 object\(s\) scanned: 1 would be denied; findings: 1 deny, 2 warn, 0 audit/);
});

t.test('exit codes: clean input is 0, --fail-on warn and never', async (t) => {
  t.equal((await scan([CLEAN])).code, 0, 'kind: List items are scanned and clean');
  t.equal((await scan([APP, '--fail-on', 'never'])).code, 0);
  t.equal((await scan([join(FIXTURES, 'manifests'), '--fail-on', 'warn', '--mode', 'warn'])).code, 1, 'warnings fail with --fail-on warn');
  t.equal((await scan([APP, '--mode', 'audit'])).code, 0, 'audit mode denies nothing');
});

t.test('stdin and bad input', async (t) => {
  const piped = await scan(['-', '-o', 'json'], 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { hostNetwork: true, containers: [{ name: a, image: "x:1", securityContext: { privileged: true } }] }\n');
  t.equal(piped.code, 1);
  const json = JSON.parse(piped.stdout) as { objects: { name: string; allowed: boolean; findings: { policyId: string; line: number }[] }[] };
  t.same(json.objects.map((o) => [o.name, o.allowed]), [['p', false]]);
  t.equal(json.objects[0]?.findings[0]?.line, 4);
  const broken = await scan(['-'], 'kind: Pod\nmetadata: [unclosed\n');
  t.equal(broken.code, 2, 'unparseable input is exit 2');
  t.match(broken.stdout, /ERROR {2}<stdin>:\d+/);
  const missing = await scan(['/nonexistent/path.yaml']);
  t.equal(missing.code, 2);
  const badFlag = await scan([APP, '-o', 'pdf']);
  t.equal(badFlag.code, 2);
  t.match(badFlag.stderr, /unknown output format "pdf"/);
});

t.test('sarif', async (t) => {
  const r = await scan([APP, '-o', 'sarif']);
  const log = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
  t.equal(log.version, '2.1.0');
  const run = log.runs[0]!;
  t.equal(run.tool.driver.name, 'kube-posture');
  t.same(run.tool.driver.rules.map((r) => r.id).sort(), ['demo-container-image', 'demo-privileged', 'demo-service-type']);
  const priv = run.results.find((x) => x.ruleId === 'demo-privileged');
  t.equal(priv?.level, 'error');
  t.equal(priv?.locations[0]?.physicalLocation.region.startLine, 23);
  for (const res of run.results) t.equal(run.tool.driver.rules[res.ruleIndex]?.id, res.ruleId, 'ruleIndex points at the rule');
});

t.test('junit', async (t) => {
  const r = await scan([APP, CLEAN, '-o', 'junit']);
  t.equal(XMLValidator.validate(r.stdout), true, 'well-formed XML');
  const xml = new XMLParser({ ignoreAttributes: false }).parse(r.stdout) as { testsuites: { '@_tests': string; '@_failures': string; testsuite: { testcase: { '@_name': string; failure?: { '@_message': string } }[] }[] } };
  t.equal(xml.testsuites['@_tests'], '5');
  t.equal(xml.testsuites['@_failures'], '1');
  const failed = xml.testsuites.testsuite.flatMap((s) => s.testcase).filter((c) => c.failure);
  t.same(failed.map((c) => c['@_name']), ['Deployment shop/web']);
  t.match(failed[0]?.failure?.['@_message'], /demo-privileged/);
});

t.test('a bad configuration is exit 2 with every problem listed', async (t) => {
  const { writeFile, mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'kp-scan-'));
  await writeFile(join(dir, 'c.yaml'), 'mode: block\nprofiel: x\n');
  const r = await exec('node', ['--import', 'tsx', 'src/cli/main.ts', 'scan', '--config', join(dir, 'c.yaml'), APP]).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
  t.equal(r.code, 2);
  t.match(r.stderr, /c\.yaml:1: mode: must be one of/);
  t.match(r.stderr, /c\.yaml:2: profiel: unknown key "profiel"/);
});

t.test('with the built-in library, the recommended profile applies', async (t) => {
  const r = await exec('node', ['--import', 'tsx', 'src/cli/main.ts', 'scan', '-o', 'json', APP]).then(() => undefined, (e: { code: number; stdout: string }) => e);
  t.equal(r?.code, 1, 'a privileged container is denied by the built-in library');
  const json = JSON.parse(r?.stdout ?? '{}') as { objects: { kind: string; findings: { policyId: string; path: string }[] }[] };
  const dep = json.objects.find((o) => o.kind === 'Deployment');
  t.ok(dep?.findings.some((f) => f.policyId === 'pss-privileged' && f.path === 'spec.template.spec.containers[1].securityContext.privileged'));
});

t.test('exempt objects appear in every output as exempt, never silently missing', async (t) => {
  const { writeFile, mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'kp-scan-'));
  const config = join(dir, 'exempt.yaml');
  await writeFile(config, 'evaluation:\n  timeoutMs: 5000\nexemptions:\n  namespaces: [shop]\n');
  const run = (args: string[]) => new Promise<{ code: number; stdout: string }>((resolve) => {
    const child = spawn('node', ['--import', 'tsx', 'src/cli/main.ts', 'scan', '--config', config, '--no-builtin', '--profile', 'all', '--policy-dir', POLICIES, ...args, APP], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
  });

  const table = await run([]);
  t.equal(table.code, 0, 'nothing is denied: the shop namespace is exempt');
  t.match(table.stdout, /exempt Deployment shop\/web {2}\(.*app\.yaml:7\): namespace shop/);
  t.match(table.stdout, /exempt Service shop\/web/);
  t.match(table.stdout, /3 object\(s\) scanned: 0 would be denied; .*; 2 exempt/);

  const json = JSON.parse((await run(['-o', 'json'])).stdout) as { summary: { exempt: number }; objects: { kind: string; status: string; exemptBy?: string }[] };
  t.equal(json.summary.exempt, 2);
  t.same(json.objects.map((o) => [o.kind, o.status, o.exemptBy]), [['Namespace', 'evaluated', undefined], ['Deployment', 'exempt', 'namespace shop'], ['Service', 'exempt', 'namespace shop']]);

  const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse((await run(['-o', 'junit'])).stdout) as { testsuites: { testsuite: { testcase: { '@_name': string; skipped?: { '@_message': string } }[] }[] } };
  const skipped = xml.testsuites.testsuite.flatMap((s) => s.testcase).filter((c) => c.skipped);
  t.same(skipped.map((c) => [c['@_name'], c.skipped?.['@_message']]), [['Deployment shop/web', 'exempt: namespace shop'], ['Service shop/web', 'exempt: namespace shop']]);

  const sarif = JSON.parse((await run(['-o', 'sarif'])).stdout) as { runs: { results: unknown[]; properties?: { exempt: { object: string; reason: string }[] } }[] };
  t.same(sarif.runs[0]?.results, []);
  t.same(sarif.runs[0]?.properties?.exempt, [{ object: 'Deployment shop/web', reason: 'namespace shop' }, { object: 'Service shop/web', reason: 'namespace shop' }]);
});

t.test('the compliance summary: scores per framework in the table and, per control, in JSON', async (t) => {
  const r = await exec('node', ['--import', 'tsx', 'src/cli/main.ts', 'scan', '-o', 'json', APP]).then(() => undefined, (e: { code: number; stdout: string }) => e);
  t.equal(r?.code, 1);
  type Fw = { id: string; compliance: number | null; applied: number; controls: { id: string; status: string; evaluated: number; failed: number; failing: { object: string; policyId: string; path: string }[] }[] };
  const json = JSON.parse(r?.stdout ?? '{}') as { compliance: { frameworks: Fw[] } };
  const baseline = json.compliance.frameworks.find((f) => f.id === 'pss-baseline')!;
  const privileged = baseline.controls.find((c) => c.id === 'pss:baseline/privileged')!;
  t.match(privileged, { status: 'judged', evaluated: 1, failed: 1 }, 'one Deployment judged, and it fails');
  t.same(privileged.failing, [{ object: 'Deployment shop/web', policyId: 'pss-privileged', path: 'spec.template.spec.containers[1].securityContext.privileged' }]);
  t.ok(baseline.compliance !== null && baseline.compliance < 100, 'not fully compliant');
  t.same(json.compliance.frameworks.map((f) => f.id), ['pss-baseline', 'pss-restricted', 'cis-k8s', 'nsa', 'mitre']);
  const table = await exec('node', ['--import', 'tsx', 'src/cli/main.ts', 'scan', APP]).then(() => '', (e: { stdout: string }) => e.stdout);
  t.match(table, new RegExp(`Pod Security Standards: baseline +${baseline.compliance!.toFixed(1)}%  risk`), 'the table shows the same score as the JSON');
});
