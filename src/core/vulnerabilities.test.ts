import t from 'tap';
import { normalizeImageRef, scanWorkloadOf, subjectKeys, summarize, VulnerabilityIndex, MAX_KEPT_VULNERABILITIES, type ImageVulnerability } from './vulnerabilities.js';

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

t.test('several reports of one image: the workload\'s own first (if of this image), then by digest, then by reference', async (t) => {
  const index = new VulnerabilityIndex('2026-12-01T00:00:00Z');
  const subject = (kind: string, name: string, container = 'nginx', namespace = 'shop') => ({ kind, namespace, name, container });
  // Trivy Operator's report for the Deployment web's ReplicaSet (a fixable critical), and a later one
  // for another workload of the same image reference (clean: another build, say).
  const own = { ...summarize('index.docker.io/library/nginx:1.25.3', [], 'VulnerabilityReport shop/replicaset-web-7d9c8b6f5-nginx', 'Trivy Operator', [v('CVE-2024-6387', 'critical', '2')]), subject: subject('ReplicaSet', 'web-7d9c8b6f5') };
  const other = { ...summarize('index.docker.io/library/nginx:1.25.3', [], 'VulnerabilityReport shop/statefulset-cache-nginx', 'Trivy Operator', []), subject: subject('StatefulSet', 'cache') };
  index.add(own);
  index.add(other);
  t.equal(index.find('nginx:1.25.3'), other, 'without a workload: the later report of the reference');
  t.equal(index.find('nginx:1.25.3', undefined, { kind: 'Deployment', namespace: 'shop', name: 'web', container: 'nginx' }), own, 'the Deployment: its ReplicaSet\'s report');
  t.equal(index.find('nginx:1.25.3', undefined, { kind: 'ReplicaSet', namespace: 'shop', name: 'web-7d9c8b6f5', container: 'nginx' }), own, 'the ReplicaSet itself');
  t.equal(index.find('nginx:1.25.3', undefined, { kind: 'Pod', namespace: 'shop', name: 'web-7d9c8b6f5-x2x4q', container: 'nginx', owner: { kind: 'ReplicaSet', name: 'web-7d9c8b6f5' } }), own, 'a Pod: through its controller');
  t.equal(index.find('nginx:1.25.3', undefined, { kind: 'StatefulSet', namespace: 'shop', name: 'cache', container: 'nginx' }), other);
  t.equal(index.find('nginx:1.25.3', undefined, { kind: 'Deployment', namespace: 'shop', name: 'web', container: 'sidecar' }), other, 'another container: not its report');
  t.equal(index.find('nginx:1.25.3', undefined, { kind: 'Deployment', namespace: 'test', name: 'web', container: 'nginx' }), other, 'another namespace: not its report');
  t.equal(index.find('nginx:1.25.3', undefined, { kind: 'Deployment', namespace: 'shop', name: 'web-7d9c8b6f5', container: 'nginx' }), other, 'a Deployment named as the ReplicaSet is not its owner');
  t.equal(index.find('nginx:1.26.0', undefined, { kind: 'Deployment', namespace: 'shop', name: 'web', container: 'nginx' }), undefined, 'its own report of another image is not used');

  // Digests: the own report must be of the digest the node pulled; else the report of that digest wins.
  const pinned = new VulnerabilityIndex('2026-12-01T00:00:00Z');
  const ownOld = { ...summarize('nginx:1.25.3', [`nginx@${D('a')}`], 'own-old', 'Trivy Operator', [v('CVE-1', 'critical', '2')]), subject: subject('ReplicaSet', 'web-7d9c8b6f5') };
  const byDigest = { ...summarize('nginx:1.25.3', [`nginx@${D('b')}`], 'other-b', 'Trivy Operator', []), subject: subject('DaemonSet', 'agent') };
  pinned.add(ownOld);
  pinned.add(byDigest);
  const pod = { kind: 'Pod', namespace: 'shop', name: 'web-7d9c8b6f5-x2x4q', container: 'nginx', owner: { kind: 'ReplicaSet', name: 'web-7d9c8b6f5' } };
  t.equal(pinned.find('nginx:1.25.3', `docker-pullable://nginx@${D('b')}`, pod), byDigest, 'pulled b: its own report of build a is not this image');
  t.equal(pinned.find('nginx:1.25.3', `docker-pullable://nginx@${D('a')}`, pod), ownOld, 'pulled a: its own report');
  t.equal(pinned.find(`nginx@${D('b')}`, undefined, { ...pod, kind: 'Deployment', name: 'web' }), byDigest, 'a template pinned to b');
});

t.test('the workload of a container: kind, name, namespace (the object\'s, else the request\'s), controller', async (t) => {
  const owned = { kind: 'Pod', metadata: { name: 'p', namespace: 'shop', ownerReferences: [{ kind: 'Node', name: 'n1' }, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'r1', controller: true }] } };
  t.same(scanWorkloadOf(owned, 'c'), { kind: 'Pod', namespace: 'shop', name: 'p', container: 'c', owner: { kind: 'ReplicaSet', name: 'web-1' } });
  t.same(scanWorkloadOf({ kind: 'Deployment', metadata: { name: 'web' } }, 'c', 'shop'), { kind: 'Deployment', namespace: 'shop', name: 'web', container: 'c' }, 'the request\'s namespace');
  for (const odd of [null, 'x', {}, { kind: 'Pod', metadata: { generateName: 'p-', namespace: 'shop' } }, { kind: 'Pod', metadata: { name: 'p' } }]) t.equal(scanWorkloadOf(odd, 'c'), undefined, JSON.stringify(odd));
  t.equal(scanWorkloadOf(owned, undefined), undefined, 'a container without a name');
  const unnamed = { kind: 'Pod', metadata: { generateName: 'web-1-', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'r1', controller: true }] } };
  t.same(scanWorkloadOf(unnamed, 'c', 'shop'), { kind: 'Pod', namespace: 'shop', name: '', container: 'c', owner: { kind: 'ReplicaSet', name: 'web-1' } }, 'a Pod its ReplicaSet creates, not named yet: found through its controller');
  t.same(subjectKeys({ kind: 'ReplicaSet', namespace: 'shop', name: 'web-api-7d9c8b6f5', container: 'c' }), ['ReplicaSet/shop/web-api-7d9c8b6f5/c', 'Deployment/shop/web-api/c']);
  t.same(subjectKeys({ kind: 'StatefulSet', namespace: 'shop', name: 'db-0', container: 'c' }), ['StatefulSet/shop/db-0/c']);
});
