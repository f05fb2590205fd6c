import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchTargets } from './file-watch.js';

const until = async (cond: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
};

t.test('a neighbour rewritten every 100 ms neither triggers reloads nor holds a real change off', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-watch-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  await writeFile(config, 'mode: enforce\n');
  let calls = 0;
  // The poll is off: only the directory watch reports, as for a config that lives beside a log.
  const handle = watchTargets({ files: [config], dirs: [] }, () => void calls++, { debounceMs: 300, maxDelayMs: 1000, intervalMs: 0 });
  t.teardown(() => handle.close());
  await new Promise((r) => setTimeout(r, 100)); // the baseline fingerprint
  let n = 0;
  let noise = true;
  const neighbour = (async () => {
    while (noise) {
      await writeFile(join(dir, 'server.log'), `line ${n++}\n`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  t.teardown(async () => {
    noise = false;
    await neighbour;
  });

  await new Promise((r) => setTimeout(r, 1500));
  t.equal(calls, 0, 'the neighbour alone rebuilds nothing');

  await writeFile(config, 'mode: audit\n');
  t.ok(await until(() => calls === 1, 5000), 'the change is applied while the neighbour keeps writing');
  t.ok(noise, 'the neighbour was still writing');

  await new Promise((r) => setTimeout(r, 1500));
  t.equal(calls, 1, 'and nothing more is rebuilt after it');
  await writeFile(config, 'mode: audit\n');
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(calls, 1, 'the same bytes written again are no change');
  t.ok(n > 30, `the neighbour was rewritten ${n} times`);
});

t.test('the periodic check finds a change no event reported, and only then calls', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-watch-poll-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  await writeFile(config, 'a: 1\n');
  const triggers: string[] = [];
  const handle = watchTargets({ files: [config], dirs: [] }, (trigger) => void triggers.push(trigger), { debounceMs: 50, intervalMs: 100 });
  t.teardown(() => handle.close());
  await new Promise((r) => setTimeout(r, 500));
  t.same(triggers, [], 'polls over unchanged content call nothing');
  await writeFile(config, 'a: 2\n');
  t.ok(await until(() => triggers.length === 1, 3000), 'one call for one change');
  await new Promise((r) => setTimeout(r, 400));
  t.equal(triggers.length, 1);
});
