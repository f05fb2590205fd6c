/**
 * Where the conformance fixtures come from: a directory given, else ../shared/conformance/psa beside the
 * project, else the pinned k8s.io/pod-security-admission Go module (its test data, fetched through the
 * module proxy). The module source is checked here whatever is beside the project, so that a fresh clone
 * without ../shared is known to work.
 */
import t from 'tap';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PSA_PIN_MODULE_DIR, pinnedPsaVersion, projectRoot, psaModuleFixtures, resolvePsaFixtures } from '../../src/conformance/psa-fixtures.js';
import { LATEST_PSS_VERSION } from '../../src/core/version.js';

const yamlFiles = async (root: string): Promise<string[]> => (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.yaml')).sort();

t.test('the version is pinned once, in the go.mod of the differential check', async (t) => {
  t.match(await pinnedPsaVersion(), /^v0\.\d+\.\d+$/);
  t.equal(projectRoot(), resolve(fileURLToPath(new URL('../..', import.meta.url))), 'the project root is found from the module itself');
});

t.test('the pinned Go module provides the fixtures in the layout the runner reads', async (t) => {
  const source = await psaModuleFixtures();
  t.equal(source.kind, 'module');
  t.equal(source.version, await pinnedPsaVersion());
  t.match(source.label, new RegExp(`k8s\\.io/pod-security-admission@${source.version}`));
  const files = await yamlFiles(source.root);
  for (const level of ['baseline', 'restricted']) {
    for (let minor = 0; minor <= LATEST_PSS_VERSION.minor; minor++) {
      for (const expect of ['pass', 'fail']) {
        const prefix = join(level, `v1.${minor}`, expect) + '/';
        t.ok(files.some((f) => f.startsWith(prefix)), `${prefix}*.yaml`);
      }
    }
  }
  t.ok(files.length > 4000, `${files.length} fixtures`);
  const shared = await resolvePsaFixtures();
  if (shared.kind === 'shared') t.same(files, await yamlFiles(shared.root), `the same fixtures as ${shared.root}`);
  else t.equal(shared.kind, 'module', 'without ../shared, the default is the module');
});

t.test('order: the directory given, then ../shared beside the project, then the module', async (t) => {
  const dir = t.testdir({ project: {}, shared: { conformance: { psa: { baseline: {}, restricted: {} } } } });
  const given = await resolvePsaFixtures(join(dir, 'shared'), { projectRoot: join(dir, 'project') });
  t.match(given, { kind: 'argument', root: join(dir, 'shared') });
  await t.rejects(resolvePsaFixtures(join(dir, 'missing')), /fixture directory .*missing not found/);
  t.match(await resolvePsaFixtures(undefined, { projectRoot: join(dir, 'project') }), { kind: 'shared', root: join(dir, 'shared', 'conformance', 'psa') });
  t.match(await resolvePsaFixtures(undefined, { noShared: true }), { kind: 'module' });
});

t.test('no silent fallback: a missing go command or pin is an error that says what to do', async (t) => {
  await t.rejects(resolvePsaFixtures(undefined, { noShared: true, go: join(t.testdirName, 'no-such-go') }), /go command .* was not found: install Go/);
  const project = t.testdir({});
  await mkdir(join(project, PSA_PIN_MODULE_DIR), { recursive: true });
  await writeFile(join(project, PSA_PIN_MODULE_DIR, 'go.mod'), 'module psadiff\n\ngo 1.26.0\n');
  await t.rejects(resolvePsaFixtures(undefined, { projectRoot: project, noShared: true }), /does not require k8s\.io\/pod-security-admission/);
});
