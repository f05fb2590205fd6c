import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT, RUNNING_BUILT, packagePath, packageVersion } from './package-paths.js';

t.test('from the source, paths are the checkout\'s', async (t) => {
  t.equal(PACKAGE_ROOT, resolve(import.meta.dirname, '..'), 'the root is the folder above src/');
  t.equal(RUNNING_BUILT, false, 'tsx runs src/, not dist/');
  t.equal(packagePath('policies'), join(PACKAGE_ROOT, 'policies'));
  t.ok(existsSync(packagePath('src/reporters/html/assets/page.css')), 'the report stylesheet is where packagePath says');
  t.equal(packageVersion(), (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
});
