/**
 * Keeps one kind in view: a paged list, then a watch from the list's resourceVersion, forever.
 *
 * Why not client-node's informers: they hold every object (a second copy of the cluster in the
 * controller's heap), stop on errors and can hang on a quiet connection. The reflector holds nothing:
 * it hands each object to its handler and forgets it.
 *
 * Restarts, as client-go's reflector does them:
 * - a watch the server ends (its `timeoutSeconds`) is reopened from the last resourceVersion at once;
 * - 410 Gone (the resourceVersion was compacted away) is a relist, handed to the handler as a new
 *   listing so it can sweep what was deleted meanwhile;
 * - a watch quiet past `idleMs` is torn down and reopened (a half-open connection never recovers alone);
 * - any other error waits a capped exponential backoff with jitter, then relists; a success resets it.
 */
import { ApiError, collectionPath, listObjects, type ApiClient } from './api.js';
import type { KnownKind } from '../core/kinds.js';

export type RestartReason = 'expired' | 'closed' | 'idle' | 'error' | 'relist';

export interface ReflectorHandlers {
  /** A listing of every object of the kind begins (the first, or a relist). */
  onListStart(): void;
  /** An object exists as shown (listed, added or modified), with apiVersion and kind set. */
  onObject(object: Record<string, unknown>): void;
  onDelete(object: Record<string, unknown>): void;
  /** The listing is complete: whatever the handler knew of the kind and was not listed is gone. */
  onListEnd(durationMs: number): void;
  /** The watch restarted; `error` carries what failed for 'error'. */
  onRestart?(reason: RestartReason, error?: unknown, delayMs?: number): void;
}

export interface ReflectorOptions {
  namespace?: string;
  labelSelector?: string;
  pageSize?: number;
  /** Server-side watch timeout; each watch picks a value between it and twice it, so watches do not all end together. Default 300. */
  watchTimeoutSeconds?: number;
  /** No bytes (not even a bookmark) for this long: the watch is restarted. Default watch timeout + 60 s. */
  idleMs?: number;
  /** First backoff after an error, doubled per failure up to `maxBackoffMs`. Defaults 800 ms and 30 s (client-go's). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
}

export class Reflector {
  private stopped = false;
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private forceRelist = false;
  /** Whether a whole listing has completed since start (for readiness). */
  synced = false;

  constructor(
    private readonly api: ApiClient,
    readonly kind: KnownKind,
    private readonly handlers: ReflectorHandlers,
    private readonly options: ReflectorOptions = {},
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Lists the kind again now (a policy or namespace change needs every object seen again). */
  relist(): void {
    this.forceRelist = true;
    this.abort?.abort();
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    const random = this.options.random ?? Math.random;
    const initial = this.options.initialBackoffMs ?? 800;
    const max = this.options.maxBackoffMs ?? 30_000;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined || this.forceRelist) {
          this.forceRelist = false;
          await this.list();
          if (this.forceRelist) continue;
        }
        failures = 0;
        const ended = await this.watchOnce(random);
        if (ended !== undefined) this.handlers.onRestart?.(ended);
      } catch (err) {
        if (this.stopped) break;
        if (this.forceRelist) {
          this.handlers.onRestart?.('relist');
          continue;
        }
        if (err instanceof ApiError && err.status === 410) {
          this.resourceVersion = undefined;
          this.handlers.onRestart?.('expired', err);
          continue;
        }
        if (err instanceof ApiError && err.reason === 'Idle') {
          this.handlers.onRestart?.('idle', err);
          continue;
        }
        // Full jitter on the upper half: [d/2, d), so many kinds failing at once spread out.
        const base = Math.min(max, initial * 2 ** failures);
        const delay = Math.round(base / 2 + (random() * base) / 2);
        failures++;
        this.resourceVersion = undefined;
        this.handlers.onRestart?.('error', err, delay);
        await this.sleep(delay);
      }
    }
  }

  private async list(): Promise<void> {
    const started = Date.now();
    this.handlers.onListStart();
    let rv: string | undefined;
    for await (const object of listObjects(this.api, this.kind, {
      ...(this.options.namespace !== undefined ? { namespace: this.options.namespace } : {}),
      ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
      ...(this.options.pageSize ? { pageSize: this.options.pageSize } : {}),
      onResourceVersion: (v) => (rv = v),
    })) {
      if (this.stopped) return;
      this.handlers.onObject(object);
    }
    this.resourceVersion = rv;
    this.synced = true;
    this.handlers.onListEnd(Date.now() - started);
  }

  /** One watch until the server ends it (returns 'closed') or it fails (throws). */
  private async watchOnce(random: () => number): Promise<RestartReason | undefined> {
    const timeout = this.options.watchTimeoutSeconds ?? 300;
    const seconds = Math.round(timeout + random() * timeout);
    const q = new URLSearchParams({ watch: '1', allowWatchBookmarks: 'true', timeoutSeconds: String(seconds) });
    if (this.resourceVersion !== undefined) q.set('resourceVersion', this.resourceVersion);
    if (this.options.labelSelector) q.set('labelSelector', this.options.labelSelector);
    const path = `${collectionPath(this.kind, this.options.namespace)}?${q.toString()}`;
    const apiVersion = this.kind.group === '' ? this.kind.versions[0]! : `${this.kind.group}/${this.kind.versions[0]!}`;
    this.abort = new AbortController();
    try {
      for await (const event of this.api.watch(path, { idleMs: this.options.idleMs ?? (seconds + 60) * 1000, signal: this.abort.signal })) {
        if (this.stopped) return undefined;
        const object = event.object;
        if (event.type === 'ERROR') {
          const status = object as { code?: unknown; reason?: unknown; message?: unknown };
          const code = typeof status.code === 'number' ? status.code : 0;
          throw new ApiError(code, typeof status.reason === 'string' ? status.reason : 'WatchError', `watch ${path}: ${typeof status.message === 'string' ? status.message : `error event ${code}`}`);
        }
        const rv = (object.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
        if (typeof rv === 'string' && rv !== '') this.resourceVersion = rv;
        if (event.type === 'BOOKMARK') continue;
        object.apiVersion = apiVersion;
        object.kind = this.kind.kind;
        if (event.type === 'DELETED') this.handlers.onDelete(object);
        else this.handlers.onObject(object);
      }
    } catch (err) {
      if (this.stopped) return undefined;
      throw err;
    } finally {
      this.abort = undefined;
    }
    return this.stopped ? undefined : 'closed';
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
