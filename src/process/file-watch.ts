/**
 * Watches files and directories for changes, for reloads without a restart.
 *
 * Two mechanisms, because neither is enough alone:
 * - fs.watch on the *directory* of each file (Kubernetes mounts Secrets and ConfigMaps as symlinks
 *   that are swapped atomically: `..data` -> `..2024_...`; a watch on the file itself follows the old
 *   inode and goes silent after the first rotation) and recursively on policy directories;
 * - a periodic fingerprint (size, mtime, inode of every file, symlinks followed) that catches what
 *   fs.watch misses (network filesystems, overlay quirks, events lost while a reload ran).
 * Events are debounced: an editor's save or a Secret swap is several events for one change.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
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
  /** Period of the fingerprint check; 0 disables it. */
  intervalMs?: number;
  logger?: Logger;
}

export interface WatchHandle {
  close(): void;
}

const MAX_FILES = 5000;
const MAX_DEPTH = 8;

/** A string that changes when any watched file changes. Missing files are part of it (as missing). */
export async function fingerprint(targets: WatchTargets): Promise<string> {
  const parts: string[] = [];
  const add = async (file: string): Promise<void> => {
    try {
      const s = await stat(file);
      parts.push(`${file}:${s.size}:${s.mtimeMs}:${s.ino}`);
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
  return parts.join('\n');
}

/**
 * Calls `onChange` (debounced) when a target changes. `onChange` may be async; calls never overlap,
 * and a change seen during a call schedules one more call after it.
 */
export function watchTargets(targets: WatchTargets, onChange: (trigger: 'watch' | 'poll') => Promise<void> | void, options: WatchOptions = {}): WatchHandle {
  const debounceMs = options.debounceMs ?? 300;
  const intervalMs = options.intervalMs ?? 10_000;
  const watchers: FSWatcher[] = [];
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let pending: 'watch' | 'poll' | undefined;
  let last: string | undefined;

  const run = async (trigger: 'watch' | 'poll'): Promise<void> => {
    if (closed) return;
    if (running) {
      pending = trigger;
      return;
    }
    running = true;
    try {
      last = await fingerprint(targets);
      await onChange(trigger);
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
    clearTimeout(timer);
    timer = setTimeout(() => void run(trigger), debounceMs);
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

  let poller: NodeJS.Timeout | undefined;
  if (intervalMs > 0) {
    void fingerprint(targets).then((fp) => {
      last ??= fp;
    });
    poller = setInterval(() => {
      if (running || closed) return;
      void fingerprint(targets).then((fp) => {
        if (last !== undefined && fp !== last && !closed) schedule('poll');
        last ??= fp;
      });
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
