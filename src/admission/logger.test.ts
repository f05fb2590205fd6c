import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { cachedIsoTime, createLogger } from './logger.js';

const loggerModule = fileURLToPath(new URL('./logger.ts', import.meta.url));

/** Runs a script that imports createLogger and logs to its real (buffered) stdout. */
function child(script: string): { lines: string[]; firstLine: Promise<string>; exited: Promise<number | null>; kill(): void } {
  const code = `import { createLogger } from ${JSON.stringify(loggerModule)};\nconst log = createLogger();\n${script}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffer = '';
  let resolveFirst: (line: string) => void;
  const firstLine = new Promise<string>((r) => (resolveFirst = r));
  proc.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      resolveFirst(lines[0]!);
    }
  });
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  return { lines, firstLine, exited, kill: () => proc.kill('SIGTERM') };
}

t.test('a buffered line reaches stdout without more logging and while the process keeps running', async (t) => {
  // The process logs one short line (far below the buffer size) and then idles for a minute.
  const c = child(`log.info({ uid: 'u-1' }, 'one line'); setTimeout(() => {}, 60_000);`);
  const line = await c.firstLine;
  t.match(JSON.parse(line), { level: 'info', uid: 'u-1', msg: 'one line', service: 'kube-posture' });
  t.equal(c.lines.length, 1);
  c.kill();
  await c.exited;
});

t.test('every buffered line is written when the process exits, by process.exit or by a crash', async (t) => {
  // A batch already handed to the asynchronous write may land after the rest, which pino writes
  // synchronously on exit: no line is lost, but the order at an abrupt exit is not guaranteed
  // (the timestamps still are). The server's own shutdown waits for the flush instead.
  const sorted = (lines: string[]): number[] => lines.map((l) => (JSON.parse(l) as { i: number }).i).sort((a, b) => a - b);
  const exit = child(`for (let i = 0; i < 50; i++) log.info({ i }, 'review'); process.exit(3);`);
  t.equal(await exit.exited, 3);
  t.same(sorted(exit.lines), [...Array(50).keys()]);

  const crash = child(`for (let i = 0; i < 50; i++) log.info({ i }, 'review'); setImmediate(() => { throw new Error('boom'); });`);
  t.not(await crash.exited, 0);
  t.same(sorted(crash.lines), [...Array(50).keys()], 'lines logged before an uncaught exception are not lost');
});

t.test('timestamps are ISO 8601 and stay correct as milliseconds pass', async (t) => {
  const time = cachedIsoTime();
  const first = time();
  t.match(first, /^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
  t.equal(time(), time(), 'within one millisecond the same text is reused');
  const later = Date.now() + 5;
  while (Date.now() < later); // cross a few milliseconds
  const after = time();
  t.ok(after > first, 'a later millisecond gives a later timestamp');
  t.equal(JSON.parse(`{${after.slice(1)}}`).time, new Date(JSON.parse(`{${after.slice(1)}}`).time).toISOString());

  const lines: string[] = [];
  const log = createLogger({ destination: new Writable({ write(c: Buffer, _e, cb) { lines.push(c.toString()); cb(); } }) as never });
  log.info('x');
  const parsed = JSON.parse(lines[0]!) as { time: string };
  t.ok(Math.abs(Date.parse(parsed.time) - Date.now()) < 60_000, 'the logged time is now');
});
