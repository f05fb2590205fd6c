import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KubePostureError } from '../core/errors.js';
import { parseScannerReport } from './scanner-reports.js';

const dir = fileURLToPath(new URL('../../test/fixtures/vulnerabilities/', import.meta.url));
const read = (name: string): string => readFileSync(dir + name, 'utf8');

t.test('trivy image -f json: image, digests, counts, the critical and high ones with their fixes', async (t) => {
  const s = parseScannerReport(read('trivy-nginx-1.25.3.json'), 'trivy-nginx-1.25.3.json');
  t.equal(s.image, 'nginx:1.25.3');
  t.equal(s.scanner, 'Trivy');
  t.same(s.digests, [`nginx@sha256:${'a1'.repeat(32)}`]);
  t.same(s.counts, { critical: 2, high: 2, medium: 1, low: 1, unknown: 0 });
  t.same(s.fixableCounts, { critical: 1, high: 2, medium: 1, low: 0, unknown: 0 });
  t.same(s.vulnerabilities.map((v) => `${v.id} ${v.package} ${v.installedVersion} -> ${v.fixedVersion ?? 'none'}`), [
    'CVE-2024-6387 openssh-client 1:9.2p1-2+deb12u2 -> 1:9.2p1-2+deb12u3',
    'CVE-2023-45853 zlib1g 1:1.2.13.dfsg-1 -> none',
    'CVE-2023-52425 libexpat1 2.5.0-1 -> 2.5.0-1+deb12u1',
    'CVE-2024-2961 libc6 2.36-9+deb12u3 -> 2.36-9+deb12u7',
  ]);
});

t.test('grype -o json: severities mapped (Negligible is low), fixes only when fixed, duplicates once', async (t) => {
  const s = parseScannerReport(read('grype-redis-7.2.4.json'), 'g.json');
  t.equal(s.image, 'redis:7.2.4');
  t.equal(s.scanner, 'Grype');
  t.same(s.digests, [`redis@sha256:${'b8'.repeat(32)}`, `sha256:${'a7'.repeat(32)}`]);
  t.same(s.counts, { critical: 1, high: 1, medium: 0, low: 1, unknown: 0 });
  t.same(s.vulnerabilities.map((v) => [v.id, v.fixedVersion]), [['CVE-2024-24790', '1.21.11, 1.22.4'], ['CVE-2023-45288', '1.21.9']]);
});

t.test('a clean image is a result with zero counts, not a missing one', async (t) => {
  const s = parseScannerReport(read('trivy-api-clean.json'), 'clean.json');
  t.same(s.counts, { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 });
  t.equal(s.image, 'registry.example.com/team/api:2.4.1');
});

t.test('truncated, empty, incomplete or foreign files are input errors that name the file', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['trivy-truncated.json', read('trivy-truncated.json'), /^trivy-truncated\.json: vulnerability report: not JSON .*truncated/],
    ['empty.json', '', /^empty\.json: vulnerability report: the file is empty/],
    ['trivy-missing-fields.json', read('trivy-missing-fields.json'), /^trivy-missing-fields\.json: trivy report: \/Results\/0\/Vulnerabilities\/0 must have required property 'InstalledVersion'/],
    ['not-a-report.json', read('not-a-report.json'), /^not-a-report\.json: not a vulnerability report kube-posture reads/],
    ['fs.json', JSON.stringify({ SchemaVersion: 2, ArtifactName: '.', ArtifactType: 'filesystem', Results: [] }), /a filesystem, not a container image/],
    ['grype-dir.json', JSON.stringify({ matches: [], source: { type: 'directory', target: '/src' } }), /^grype-dir\.json: grype report: \/source\/type must be equal to constant/],
  ];
  for (const [name, text, message] of cases) {
    let error: unknown;
    try {
      parseScannerReport(text, name);
    } catch (err) {
      error = err;
    }
    t.ok(error instanceof KubePostureError, `${name}: an input error`);
    t.match(error, { code: 'KP_ERR_INPUT_PARSE', message }, name);
  }
});
