import t from 'tap';
import { containersOf, pinContainers, podSubjectOf, unpinContainers } from './pod.js';

const deployment = (image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  spec: { template: { metadata: {}, spec: { initContainers: [{ name: 'init', image }], containers: [{ name: 'app', image }, { image }], ephemeralContainers: [{ name: 'debug', image }] } } },
});

t.test('containersOf lists init, regular and ephemeral containers with paths into the pod', async (t) => {
  const pod = podSubjectOf(deployment('nginx:1.27'), { group: 'apps', kind: 'Deployment' })!;
  t.same(pod.root, ['spec', 'template']);
  const seen = containersOf(pod.spec).map((c) => ({ type: c.type, index: c.index, path: c.path, label: c.label }));
  t.same(seen, [
    { type: 'initContainers', index: 0, path: ['spec', 'initContainers', 0], label: 'init' },
    { type: 'containers', index: 0, path: ['spec', 'containers', 0], label: 'app' },
    { type: 'containers', index: 1, path: ['spec', 'containers', 1], label: 'containers[1]' },
    { type: 'ephemeralContainers', index: 0, path: ['spec', 'ephemeralContainers', 0], label: 'debug' },
  ]);
});

t.test('containersOf reuses its list for the same spec and notices when the spec changes', async (t) => {
  const spec = { containers: [{ name: 'a' }] } as never as Parameters<typeof containersOf>[0];
  const first = containersOf(spec);
  t.equal(containersOf(spec), first, 'same spec, same list');
  (spec as { containers: unknown[] }).containers.push({ name: 'b' });
  t.same(containersOf(spec).map((c) => c.label), ['a', 'b'], 'a container added to the same array is seen');
  (spec as { containers: unknown[] }).containers = [{ name: 'c' }];
  t.same(containersOf(spec).map((c) => c.label), ['c'], 'a replaced array is seen');
  const other = { containers: [{ name: 'x' }] } as never as Parameters<typeof containersOf>[0];
  t.same(containersOf(other).map((c) => c.label), ['x']);
  t.same(containersOf(spec).map((c) => c.label), ['c'], 'switching back to the first spec rebuilds its list');
  t.same(containersOf(null as never), [], 'not an object: no containers');
});

t.test('a pinned spec is walked once for the whole evaluation; unpinned, changes are seen again', async (t) => {
  const spec = { containers: [{ name: 'a' }] } as never as Parameters<typeof containersOf>[0];
  const other = { containers: [{ name: 'x' }] } as never as Parameters<typeof containersOf>[0];
  t.ok(pinContainers(spec));
  const pinned = containersOf(spec);
  t.same(pinned.map((c) => c.label), ['a']);
  t.same(containersOf(other).map((c) => c.label), ['x'], 'another spec is still answered (from the one-entry cache)');
  t.equal(containersOf(spec), pinned, 'the pinned spec answers with the list walked when it was pinned');
  unpinContainers();
  (spec as { containers: unknown[] }).containers.push({ name: 'b' });
  t.same(containersOf(spec).map((c) => c.label), ['a', 'b'], 'after unpinning, a change is seen');
  t.notOk(pinContainers(null as never), 'nothing to pin for a spec that is not an object');
});
