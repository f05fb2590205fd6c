import t from 'tap';
import { summarize } from '../core/vulnerabilities.js';
import { ImageScanCache } from './image-cache.js';

const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);
const scan = (image: string, digests: string[], source: string, critical = 1) =>
  summarize(image, digests, source, 'Trivy Operator', Array.from({ length: critical }, (_, i) => ({ id: `CVE-${i}`, severity: 'critical' as const, package: 'p', installedVersion: '1', fixedVersion: '2' })));

t.test('found by digest, pulled digest or normalised reference; pinned digests never by tag', async (t) => {
  const cache = new ImageScanCache(10);
  cache.set(scan('index.docker.io/library/nginx:1.25.3', [`index.docker.io/library/nginx@${D1}`], 'VulnerabilityReport shop/a'));
  t.equal(cache.find('nginx:1.25.3')?.source, 'VulnerabilityReport shop/a');
  t.equal(cache.find(`nginx@${D1}`)?.source, 'VulnerabilityReport shop/a');
  t.equal(cache.find('app:1', `docker-pullable://nginx@${D1}`)?.source, 'VulnerabilityReport shop/a');
  t.equal(cache.find(`nginx:1.25.3@${D2}`), undefined, 'another build under the same tag is not this result');
  t.equal(cache.find('nginx:1.25.4'), undefined, 'never seen: no result (the missing-report policy judges it)');
});

t.test('bounded by entries, least recently used out first', async (t) => {
  const cache = new ImageScanCache(4);
  cache.set(scan('a:1', [], 'r/a'));
  cache.set(scan('b:1', [], 'r/b'));
  cache.set(scan('c:1', [`c@${D1}`], 'r/c')); // two entries: digest and reference
  t.equal(cache.size, 4);
  t.ok(cache.find('a:1'), 'a is used: now the most recent');
  cache.set(scan('d:1', [], 'r/d'));
  t.equal(cache.size, 4);
  t.equal(cache.evicted, 1);
  t.equal(cache.find('b:1'), undefined, 'b, the least recently used, went');
  t.ok(cache.find('a:1'));
  t.ok(cache.find('d:1'));
  t.throws(() => new ImageScanCache(0), RangeError);
});

t.test('a later report of the same image wins; deleting an older one leaves it', async (t) => {
  const cache = new ImageScanCache(10);
  const old = scan('nginx:1', [], 'VulnerabilityReport a/one', 2);
  cache.set(old);
  cache.set(scan('nginx:1', [], 'VulnerabilityReport b/two', 1));
  t.equal(cache.find('nginx:1')?.counts.critical, 1);
  cache.delete(old);
  t.equal(cache.find('nginx:1')?.source, 'VulnerabilityReport b/two');
  cache.delete(scan('nginx:1', [], 'VulnerabilityReport b/two'));
  t.equal(cache.find('nginx:1'), undefined);
});

t.test('the lookup says what "now" is for expiring allow-list entries', async (t) => {
  const cache = new ImageScanCache(10);
  const lookup = cache.lookup(() => new Date('2026-12-05T10:00:00Z'));
  t.equal(lookup.asOf, '2026-12-05T10:00:00.000Z');
  cache.set(scan('x:1', [], 'r/x'));
  t.equal(lookup.size, 1);
  t.ok(lookup.find('x:1'));
});

t.test('two reports of one image: the workload\'s own is preferred; hits and misses are counted', async (t) => {
  const cache = new ImageScanCache(20);
  const own = { ...scan('index.docker.io/library/nginx:1.25.3', [], 'VulnerabilityReport shop/replicaset-web-7d9c8b6f5-nginx', 1), subject: { kind: 'ReplicaSet', namespace: 'shop', name: 'web-7d9c8b6f5', container: 'nginx' } };
  const other = { ...scan('index.docker.io/library/nginx:1.25.3', [], 'VulnerabilityReport shop/statefulset-cache-nginx', 0), subject: { kind: 'StatefulSet', namespace: 'shop', name: 'cache', container: 'nginx' } };
  cache.set(own);
  cache.set(other);
  t.equal(cache.size, 4, 'the reference once, and each report\'s workload keys (the ReplicaSet\'s, its Deployment\'s, the StatefulSet\'s)');
  t.equal(cache.find('nginx:1.25.3')?.source, other.source, 'by image alone: the later report');
  t.equal(cache.find('nginx:1.25.3', undefined, { kind: 'Deployment', namespace: 'shop', name: 'web', container: 'nginx' })?.source, own.source, 'a re-deployed Deployment web: its own ReplicaSet\'s report');
  t.equal(cache.find('nginx:1.26.0', undefined, { kind: 'Deployment', namespace: 'shop', name: 'web', container: 'nginx' }), undefined, 'a new image under the same name: no result');
  t.same([cache.hits, cache.misses], [2, 1]);
  cache.delete(own);
  t.equal(cache.find('nginx:1.25.3', undefined, { kind: 'Deployment', namespace: 'shop', name: 'web', container: 'nginx' })?.source, other.source, 'its report deleted: by image');
  t.equal(cache.size, 2);
});

t.test('a relisting drops the entries of reports it no longer shows (deleted while the watch was down)', async (t) => {
  const cache = new ImageScanCache(10);
  cache.listStart();
  cache.set(scan('a:1', [`a@${D1}`], 'VulnerabilityReport shop/a'));
  cache.set(scan('b:1', [], 'VulnerabilityReport shop/b'));
  t.equal(cache.listEnd(), 0, 'the first listing keeps what it showed');
  cache.set(scan('c:1', [], 'VulnerabilityReport shop/c')); // a watch event
  t.equal(cache.size, 4);
  cache.listStart();
  cache.set(scan('b:1', [], 'VulnerabilityReport shop/b'));
  cache.set(scan('c:1', [], 'VulnerabilityReport shop/c'));
  t.equal(cache.listEnd(), 2, 'a\'s digest and reference entries');
  t.equal(cache.find('a:1'), undefined, 'a was deleted meanwhile: no result (not scanned), never its old one');
  t.ok(cache.find('b:1'));
  t.ok(cache.find('c:1'));
});
