import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

t.test('scaffolded policies of every format and target pass their own fixtures', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-scaffold-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [format, target] of [['ts', 'pod'], ['ts', 'object'], ['yaml', 'pod'], ['yaml', 'object']]) {
    const { stdout } = await run('node', [...CLI, 'policies', 'new', `scaffolded/p-${format}-${target}`, '--dir', dir, '--format', format!, '--target', target!]);
    t.match(stdout, /created .*policy\.(ts|yaml)/);
  }
  const { stdout } = await run('node', [...CLI, 'policies', 'test', dir]);
  t.match(stdout, /^8 passed, 0 failed$/m, 'one pass and one fail fixture each, all green');
  await t.rejects(run('node', [...CLI, 'policies', 'new', 'scaffolded/p-ts-pod', '--dir', dir]), { code: 2 }, 'an existing folder is not overwritten');
  await t.rejects(run('node', [...CLI, 'policies', 'new', 'Bad/ID', '--dir', dir]), { code: 2 }, 'ids are validated');
});

t.test('policies test fails on a broken fixture expectation', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-scaffold-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await run('node', [...CLI, 'policies', 'new', 'x/flip', '--dir', dir, '--target', 'object']);
  const { rename } = await import('node:fs/promises');
  // A pass fixture moved to fail must now fail the run.
  await rename(join(dir, 'x/flip/fixtures/pass/service.yaml'), join(dir, 'x/flip/fixtures/fail/ok-service.yaml'));
  const err = await run('node', [...CLI, 'policies', 'test', dir]).then(() => undefined, (e: { code: number; stdout: string; stderr: string }) => e);
  t.equal(err?.code, 1);
  t.match(err?.stdout, /FAIL .*ok-service\.yaml#0 \(fail\): expected a finding, got none/);
  t.match(err?.stderr, /no pass fixtures/);
});
