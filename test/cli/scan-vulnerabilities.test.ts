/** `scan --vulnerabilities`: the real CLI as a process, on real manifests and real scanner output. */
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};
const V = 'test/fixtures/vulnerabilities';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: web, image: "nginx:1.25.3"}
        - {name: cache, image: "docker.io/library/redis:7.2.4"}
        - {name: envoy, image: "envoyproxy/envoy:v1.31.0"}
        - {name: api, image: "registry.example.com/team/api:2.4.1"}
`;

t.test('scanner results handed over are judged with no other flag: Trivy and Grype, fixes named, unscanned images reported', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-vuln-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'deploy.yaml'), DEPLOYMENT);
  const r = await run(['scan', join(dir, 'deploy.yaml'), '-o', 'json', '--vulnerabilities', `${V}/trivy-nginx-1.25.3.json`, '--vulnerabilities', `${V}/grype-redis-7.2.4.json`, '--vulnerabilities', `${V}/trivy-api-clean.json`]);
  t.equal(r.code, 0, 'warnings only in the recommended profile');
  t.notMatch(r.stderr, /not run/);
  const doc = JSON.parse(r.stdout) as { objects: { findings: { policyId: string; path: string; message: string; category: string }[] }[] };
  const findings = doc.objects[0]!.findings.filter((f) => f.category === 'vulnerability');
  t.same(findings.map((f) => `${f.policyId} ${f.path}`).sort(), [
    'image-vulnerabilities spec.template.spec.containers[0].image',
    'image-vulnerabilities spec.template.spec.containers[1].image',
    'image-vulnerability-report-missing spec.template.spec.containers[2].image',
  ]);
  t.match(findings.find((f) => f.path.endsWith('[0].image'))?.message, /CVE-2024-6387 in openssh-client 1:9\.2p1-2\+deb12u2, fixed in 1:9\.2p1-2\+deb12u3/);
  t.match(findings.find((f) => f.path.endsWith('[1].image'))?.message, /Grype.*CVE-2024-24790 in stdlib go1\.21\.5, fixed in 1\.21\.11, 1\.22\.4/);

  const deny = await run(['scan', join(dir, 'deploy.yaml'), '--vulnerabilities', `${V}/trivy-nginx-1.25.3.json`, '--config', await configFile(dir)]);
  t.equal(deny.code, 1, 'deny by configuration: a fixable critical fails the pipeline');
  t.match(deny.stdout, /DENY.*image-vulnerabilities/);
});

async function configFile(dir: string): Promise<string> {
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'profile: recommended\npolicies:\n  image-vulnerabilities:\n    action: deny\n');
  return file;
}

t.test('without results the vulnerability policies are not run, and the scan says so', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-vuln-none-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'deploy.yaml'), DEPLOYMENT);
  const r = await run(['scan', join(dir, 'deploy.yaml'), '-o', 'json']);
  t.match(r.stderr, /note: not run, no image scan results were given \(--vulnerabilities FILE\): image-vulnerabilities, image-vulnerability-report-missing/);
  const doc = JSON.parse(r.stdout) as { objects: Record<string, unknown>[] };
  t.notMatch(JSON.stringify(doc.objects), /image-vulnerab/, 'no finding, no pass and no exemption claimed for any object');
});

t.test('a truncated, foreign or missing report is exit 2 naming the file, never "no vulnerabilities"', async (t) => {
  for (const [file, message] of [
    [`${V}/trivy-truncated.json`, /trivy-truncated\.json: vulnerability report: not JSON/],
    [`${V}/not-a-report.json`, /not-a-report\.json: not a vulnerability report/],
    [`${V}/nope.json`, /nope\.json: cannot read the vulnerability report/],
  ] as const) {
    const r = await run(['scan', 'examples', '--vulnerabilities', file]);
    t.equal(r.code, 2, file);
    t.match(r.stderr, message);
    t.equal(r.stdout, '', 'no report printed');
  }
});
