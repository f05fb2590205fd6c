/**
 * Watches files and directories for changes, for reloads without a restart.
 *
 * Two mechanisms, because neither is enough alone:
 * - fs.watch on the *directory* of each file (Kubernetes mounts Secrets and ConfigMaps as symlinks
 *   that are swapped atomically: `..data` -> `..2024_...`; a watch on the file itself follows the old
 *   inode and goes silent after the first rotation) and recursively on policy directories;
 * - a periodic fingerprint that catches what fs.watch misses (network filesystems, overlay quirks,
 *   events lost while a reload ran).
 * Either only *checks*: `onChange` runs when the fingerprint, a digest of the watched files' contents
 * (symlinks followed), differs from the last one. A directory watch also reports every neighbour of
 * a watched file: a log file written beside the configuration once rebuilt the policies 202 times in
 * a few minutes; a touch or a rewrite with the same bytes changes nothing either.
 * Events are debounced (an editor's save or a Secret swap is several events for one change), but
 * never for longer than `maxDelayMs` after the first: a neighbour that changes every 100 ms once
 * held a mode change off for 28 s.
 */
import { watch, type FSWatcher } from 'node:fs';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { errorMessage } from '../core/errors.js';

export interface WatchTargets {
  /** Single files (config, certificate, key): their directories are watched. */
  files: string[];
  /** Directory trees (policy directories): watched recursively. */
  dirs: string[];
}

export interface WatchOptions {
  debounceMs?: number;
  /** Longest wait after the first event of a burst before the check runs, however long the burst. */
  maxDelayMs?: number;
  /** Period of the fingerprint check; 0 disables it. */
  intervalMs?: number;
  logger?: Logger;
}

export interface WatchHandle {
  close(): void;
}

const MAX_FILES = 5000;
const MAX_DEPTH = 8;

/** Files larger than this are fingerprinted by their first bytes and size (no policy or certificate is). */
const MAX_DIGEST_BYTES = 4 * 1024 * 1024;

/**
 * A digest that changes when the content of any watched file changes. Missing files are part of it
 * (as missing). Contents, not stat data: a touch, a rewrite with the same bytes or a Secret swap to
 * the same data is no change.
 */
export async function fingerprint(targets: WatchTargets): Promise<string> {
  const parts: string[] = [];
  const add = async (file: string): Promise<void> => {
    try {
      const bytes = await readFile(file);
      const h = createHash('sha256').update(bytes.length > MAX_DIGEST_BYTES ? bytes.subarray(0, MAX_DIGEST_BYTES) : bytes);
      parts.push(`${file}:${bytes.length}:${h.digest('hex')}`);
    } catch {
      parts.push(`${file}:missing`);
    }
  };
  for (const f of targets.files) await add(f);
  for (const d of targets.dirs) {
    const walk = async (dir: string, depth: number): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        parts.push(`${dir}:unreadable`);
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (parts.length > MAX_FILES) return;
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (depth < MAX_DEPTH && e.name !== 'node_modules' && e.name !== '.git') await walk(p, depth + 1);
        } else await add(p);
      }
    };
    await walk(d, 0);
  }
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/**
 * Calls `onChange` when the content of a target changes (checked after debounced events and on the
 * interval). `onChange` may be async; calls never overlap, and an event seen during a call schedules
 * one more check after it.
 */
export function watchTargets(targets: WatchTargets, onChange: (trigger: 'watch' | 'poll') => Promise<void> | void, options: WatchOptions = {}): WatchHandle {
  const debounceMs = options.debounceMs ?? 300;
  const maxDelayMs = Math.max(debounceMs, options.maxDelayMs ?? 2000);
  const intervalMs = options.intervalMs ?? 10_000;
  const watchers: FSWatcher[] = [];
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let pending: 'watch' | 'poll' | undefined;
  let last: string | undefined;
  /** When the first event of the burst being debounced arrived. */
  let burstStart: number | undefined;
  /** An event came before the baseline fingerprint was known: the next check reloads whatever it finds. */
  let eventBeforeBaseline = false;

  const run = async (trigger: 'watch' | 'poll'): Promise<void> => {
    if (closed) return;
    if (running) {
      pending = trigger;
      return;
    }
    running = true;
    burstStart = undefined;
    try {
      const fp = await fingerprint(targets);
      // Before the first fingerprint is known a change cannot be told from none: reload to be safe.
      const changed = last === undefined || fp !== last || eventBeforeBaseline;
      eventBeforeBaseline = false;
      last = fp;
      if (changed && !closed) await onChange(trigger);
    } catch (err) {
      options.logger?.error({ err: errorMessage(err) }, 'reload handler failed');
    } finally {
      running = false;
    }
    if (pending !== undefined && !closed) {
      const next = pending;
      pending = undefined;
      schedule(next);
    }
  };
  const schedule = (trigger: 'watch' | 'poll'): void => {
    if (closed) return;
    const now = Date.now();
    burstStart ??= now;
    if (last === undefined) eventBeforeBaseline = true;
    clearTimeout(timer);
    timer = setTimeout(() => void run(trigger), Math.max(0, Math.min(debounceMs, burstStart + maxDelayMs - now)));
    timer.unref();
  };

  const watchDir = (dir: string, recursive: boolean): void => {
    try {
      const w = watch(dir, { recursive, persistent: false }, () => schedule('watch'));
      w.on('error', (err) => options.logger?.warn({ dir, err: errorMessage(err) }, 'file watch failed; relying on the periodic check'));
      watchers.push(w);
    } catch (err) {
      options.logger?.warn({ dir, err: errorMessage(err) }, 'cannot watch directory; relying on the periodic check');
    }
  };
  for (const d of new Set(targets.files.map((f) => dirname(f)))) watchDir(d, false);
  for (const d of targets.dirs) watchDir(d, true);

  // The contents as they are now (the caller has just loaded them): the baseline for every check.
  void fingerprint(targets).then((fp) => {
    last ??= fp;
  });
  let poller: NodeJS.Timeout | undefined;
  if (intervalMs > 0) {
    // The check itself compares contents: a poll that finds nothing new calls nothing.
    poller = setInterval(() => {
      if (running || closed || last === undefined) return;
      void run('poll');
    }, intervalMs);
    poller.unref();
  }

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poller);
      for (const w of watchers) w.close();
    },
  };
}
