import t from 'tap';
import { formatPath, fromJsonPointer, parsePath } from './path.js';

t.test('formatPath and parsePath round-trip', async (t) => {
  const cases: (string | number)[][] = [
    ['spec', 'containers', 1, 'securityContext', 'privileged'],
    ['metadata', 'annotations', 'container.apparmor.security.beta.kubernetes.io/app'],
    ['metadata', 'labels', 'a "quoted" key'],
    ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'initContainers', 0, 'image'],
    [],
  ];
  for (const c of cases) t.same(parsePath(formatPath(c)), c, formatPath(c));
  t.equal(formatPath(['spec', 'containers', 1, 'securityContext', 'privileged']), 'spec.containers[1].securityContext.privileged');
  t.equal(formatPath(['metadata', 'annotations', 'a.b/c']), 'metadata.annotations["a.b/c"]');
});

t.test('JSON pointers', async (t) => {
  t.same(fromJsonPointer(''), []);
  t.same(fromJsonPointer('/spec/containers/0/a~1b/c~0d'), ['spec', 'containers', 0, 'a/b', 'c~d']);
});
