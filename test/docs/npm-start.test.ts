/**
 * `npm start` (README set-up) as a user runs it: a real npm process that builds, then serves. Stopping
 * it, with SIGTERM or SIGINT sent to npm, or with Ctrl-C (SIGINT to the whole process group, as a
 * terminal sends it), must stop the server it started: the node process exits and its port is free.
 * (npm runs the script in `sh -c`; without `exec` the shell took the signal and node kept the port.)
 *
 * Linux: the server process is found through /proc. Nothing here asserts on timing: each wait is
 * generous and only bounds a hang.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';

// Three builds and three servers: more than tap's per-file default on a loaded machine.
t.setTimeout(900_000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Proc {
  pid: number;
  ppid: number;
  cmd: string;
}

async function processes(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ').trim();
      out.push({ pid: Number(entry), ppid, cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function descendants(pid: number): Promise<Proc[]> {
  const all = await processes();
  const found: Proc[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await sleep(100);
  }
  return cond();
}

function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

type Stop = 'SIGTERM to npm' | 'SIGINT to npm' | 'Ctrl-C (SIGINT to the process group)';

for (const stop of ['SIGTERM to npm', 'SIGINT to npm', 'Ctrl-C (SIGINT to the process group)'] as Stop[]) {
  t.test(`npm start, stopped by ${stop}: the server stops and its port is free`, async (t) => {
    const certDir = t.testdir({});
    // Port 0: the server picks a free port and logs it; no port is guessed.
    const env = { ...process.env, KP_PORT: '0', KP_CLUSTER_CONTEXT: 'off', KP_DEV_CERT_DIR: certDir, KP_LOG_LEVEL: 'info', KP_RELOAD_INTERVAL: '0' };
    // Its own process group (detached), like a shell job: Ctrl-C signals the whole group.
    const npm: ChildProcess = spawn('npm', ['start'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const npmPid = npm.pid!;
    let out = '';
    npm.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    npm.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const npmExit = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    let server: Proc | undefined;
    t.teardown(async () => {
      // Whatever happened, nothing started here outlives the test.
      try {
        process.kill(-npmPid, 'SIGKILL');
      } catch {
        // the group is gone
      }
      if (server && alive(server.pid)) process.kill(server.pid, 'SIGKILL');
    });

    const listening = await waitFor(() => /"msg":"webhook listening"/.test(out), 300_000);
    t.ok(listening, 'npm start builds and the webhook listens');
    if (!listening) {
      t.comment(out);
      return;
    }
    const port = Number(/"url":"https:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]);
    t.ok(port > 0, `listening on port ${port}`);
    // The node process itself, not a shell whose command line mentions it.
    server = (await descendants(npmPid)).find((p) => /^(\S*\/)?node dist\/bundle\/main\.js serve/.test(p.cmd));
    t.ok(server, 'the server is a node process below npm');
    t.notOk(await portRefuses(port), 'the port accepts connections while it runs');

    if (stop === 'SIGTERM to npm') process.kill(npmPid, 'SIGTERM');
    else if (stop === 'SIGINT to npm') process.kill(npmPid, 'SIGINT');
    else process.kill(-npmPid, 'SIGINT');

    t.ok(await waitFor(() => npm.exitCode !== null || npm.signalCode !== null, 120_000), 'npm exits');
    await Promise.race([npmExit, sleep(1000)]);
    if (server) t.ok(await waitFor(() => !alive(server!.pid), 60_000), `the server process (pid ${server.pid}) exited`);
    t.ok(await waitFor(() => portRefuses(port), 60_000), `port ${port} is free`);
    if (stop !== 'Ctrl-C (SIGINT to the process group)') {
      // Signalled once, through npm: the server shuts down gracefully.
      t.match(out, /"msg":"stopped"/, 'the server shut down gracefully');
    }
  });
}
