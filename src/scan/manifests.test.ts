/**
 * The one directory walk: `scan DIR`, policy fixtures and conformance fixtures all find files with it.
 */
import t from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestFiles, manifestFilesUnder } from './manifests.js';

t.test('manifestFilesUnder: what scan walks, sorted, and nothing for a folder that is not there', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-walk-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const f of ['b.yaml', 'A.YML', 'c.json', 'notes.txt', '.hidden.yaml', 'sub/d.yaml', 'node_modules/e.yaml', '.git/f.yaml']) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await writeFile(join(dir, f), 'a: 1\n');
  }
  // A chart's folder is walked as files, never rendered.
  await writeFile(join(dir, 'sub', 'Chart.yaml'), 'name: x\n');
  const want = ['A.YML', 'b.yaml', 'c.json', 'sub/Chart.yaml', 'sub/d.yaml'].map((f) => join(dir, f));
  t.same(await manifestFilesUnder(dir), want);
  t.same(await manifestFiles([dir], { render: false }), want, 'the same walk as scan without rendering');
  t.same(await manifestFilesUnder(join(dir, 'missing')), []);
  t.same(await manifestFilesUnder(join(dir, 'b.yaml', 'x')), [], 'a path through a file is no folder either');
});
