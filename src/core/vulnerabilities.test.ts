import t from 'tap';
import { normalizeImageRef, summarize, VulnerabilityIndex, MAX_KEPT_VULNERABILITIES, type ImageVulnerability } from './vulnerabilities.js';

const D = (c: string): string => `sha256:${c.repeat(64)}`;

t.test('image references: the spellings a runtime treats as one image normalise alike', async (t) => {
  const same = ['nginx', 'nginx:latest', 'docker.io/nginx', 'docker.io/library/nginx:latest', 'index.docker.io/library/nginx'];
  for (const r of same) t.same(normalizeImageRef(r), { name: 'docker.io/library/nginx', tag: 'latest' }, r);
  t.same(normalizeImageRef('quay.io/prometheus/node-exporter:v1.8.1'), { name: 'quay.io/prometheus/node-exporter', tag: 'v1.8.1' });
  t.same(normalizeImageRef('localhost:5000/app:1'), { name: 'localhost:5000/app', tag: '1' });
  t.same(normalizeImageRef('bitnami/redis:7.2'), { name: 'docker.io/bitnami/redis', tag: '7.2' });
  t.same(normalizeImageRef(`ghcr.io/org/app@${D('a')}`), { name: 'ghcr.io/org/app', digest: D('a') });
  for (const bad of ['', '<YOUR-CONTAINER>:x y', 'app@sha256:zz', 'app:bad tag']) t.equal(normalizeImageRef(bad), undefined, JSON.stringify(bad));
});

const v = (id: string, severity: ImageVulnerability['severity'], fixedVersion?: string, pkg = 'p'): ImageVulnerability => ({ id, severity, package: pkg, installedVersion: '1', ...(fixedVersion ? { fixedVersion } : {}) });

t.test('a summary counts every vulnerability once and keeps the critical and high ones, worst first', async (t) => {
  const s = summarize('nginx:1', [], 'f.json', 'Trivy', [v('CVE-3', 'high', '2'), v('CVE-1', 'critical'), v('CVE-2', 'critical', '2'), v('CVE-2', 'critical', '2'), v('CVE-4', 'low'), v('CVE-5', 'medium', '3')]);
  t.same(s.counts, { critical: 2, high: 1, medium: 1, low: 1, unknown: 0 }, 'the duplicate is counted once');
  t.same(s.fixableCounts, { critical: 1, high: 1, medium: 1, low: 0, unknown: 0 });
  t.same(s.vulnerabilities.map((x) => x.id), ['CVE-2', 'CVE-1', 'CVE-3'], 'critical fixable, critical unfixed, high');
  t.equal(s.omitted, 0);
  const many = summarize('x', [], 'f', 'Trivy', Array.from({ length: MAX_KEPT_VULNERABILITIES + 7 }, (_, i) => v(`CVE-${i}`, 'high')));
  t.equal(many.vulnerabilities.length, MAX_KEPT_VULNERABILITIES);
  t.equal(many.omitted, 7);
  t.equal(many.counts.high, MAX_KEPT_VULNERABILITIES + 7, 'counts are never bounded');
});

t.test('lookup: the pulled digest first, then the normalised tag; a pinned digest never falls back to a tag', async (t) => {
  const index = new VulnerabilityIndex('2026-12-01T00:00:00Z');
  const nginx = summarize('nginx:1.25.3', [`nginx@${D('a')}`], 'n.json', 'Trivy', []);
  const app = summarize('registry.example.com/app:2', [], 'a.json', 'Grype', []);
  index.add(nginx);
  index.add(app);
  t.equal(index.size, 2);
  t.equal(index.find('docker.io/library/nginx:1.25.3'), nginx, 'by tag, another spelling');
  t.equal(index.find('nginx:1.25.3', `docker-pullable://nginx@${D('a')}`), nginx, 'by the runtime imageID');
  t.equal(index.find('some/other:tag', `docker-pullable://x@${D('a')}`), nginx, 'the digest decides, whatever the tag says');
  t.equal(index.find(`nginx@${D('a')}`), nginx, 'a reference pinned by that digest');
  t.equal(index.find(`nginx:1.25.3@${D('b')}`), undefined, 'pinned to another digest: not the scanned build');
  t.equal(index.find('nginx:1.25.4'), undefined);
  t.equal(index.find('registry.example.com/app:2'), app);
  t.equal(index.find('<YOUR-IMAGE>'), undefined);
});
