import t from 'tap';
import { hasMutableLatestTag, parseImageReference, registryEntryMatches } from './image-reference.js';

const digest = 'sha256:' + 'a'.repeat(64);

t.test('parses references the way container runtimes do', async (t) => {
  t.same(parseImageReference('nginx'), { registry: 'docker.io', repository: 'library/nginx' });
  t.same(parseImageReference('nginx:1.27'), { registry: 'docker.io', repository: 'library/nginx', tag: '1.27' });
  t.same(parseImageReference('bitnami/redis:7.2'), { registry: 'docker.io', repository: 'bitnami/redis', tag: '7.2' });
  t.same(parseImageReference('index.docker.io/nginx'), { registry: 'docker.io', repository: 'library/nginx' });
  t.same(parseImageReference('localhost:5000/app'), { registry: 'localhost:5000', repository: 'app' }, 'a port is not a tag');
  t.same(parseImageReference('localhost/app:v1'), { registry: 'localhost', repository: 'app', tag: 'v1' });
  t.same(parseImageReference('Registry.Example.com/team/app:v1'), { registry: 'registry.example.com', repository: 'team/app', tag: 'v1' });
  t.same(parseImageReference(`ghcr.io/org/app:1.0@${digest}`), { registry: 'ghcr.io', repository: 'org/app', tag: '1.0', digest });
  t.same(parseImageReference(`quay.io/org/app@${digest}`), { registry: 'quay.io', repository: 'org/app', digest });
});

t.test('rejects what is not a reference, without throwing', async (t) => {
  for (const bad of ['', ' ', 'nginx latest', 'Nginx', 'nginx:', 'nginx@sha256:short', 'registry.example.com/', ':tag', 42, null, undefined, {}, ['nginx']]) {
    t.equal(parseImageReference(bad), undefined, JSON.stringify(bad) ?? String(bad));
  }
});

t.test('latest and untagged images are mutable unless pinned by digest', async (t) => {
  const mutable = (i: string) => hasMutableLatestTag(parseImageReference(i)!);
  t.equal(mutable('nginx'), true);
  t.equal(mutable('nginx:latest'), true);
  t.equal(mutable('localhost:5000/app'), true);
  t.equal(mutable('nginx:1.27'), false);
  t.equal(mutable(`nginx:latest@${digest}`), false);
  t.equal(mutable(`nginx@${digest}`), false);
});

t.test('registry entries match host, wildcard subdomain and repository prefix', async (t) => {
  const m = (entry: string, image: string) => registryEntryMatches(entry, parseImageReference(image)!);
  t.equal(m('*', 'nginx'), true);
  t.equal(m('registry.example.com', 'registry.example.com/a/b:1'), true);
  t.equal(m('REGISTRY.example.com', 'registry.example.com/a:1'), true);
  t.equal(m('registry.example.com', 'registry.example.com.evil.io/a:1'), false, 'no prefix match on hosts');
  t.equal(m('registry.example.com', 'evil.io/registry.example.com/a:1'), false);
  t.equal(m('*.example.com', 'eu.example.com/a:1'), true);
  t.equal(m('*.example.com', 'example.com/a:1'), false);
  t.equal(m('*.example.com', 'evilexample.com/a:1'), false);
  t.equal(m('ghcr.io/org', 'ghcr.io/org/app:1'), true);
  t.equal(m('ghcr.io/org', 'ghcr.io/organisation/app:1'), false, 'whole path components only');
  t.equal(m('ghcr.io/org/', 'ghcr.io/org/app:1'), true);
  t.equal(m('docker.io', 'nginx'), true);
  t.equal(m('docker.io/library', 'nginx:1'), true);
  t.equal(m('docker.io/library', 'bitnami/redis:1'), false);
  t.equal(m('index.docker.io', 'nginx'), true);
  t.equal(m('localhost:5000', 'localhost:5000/app'), true);
  t.equal(m('localhost:5000', 'localhost/app'), false);
});
