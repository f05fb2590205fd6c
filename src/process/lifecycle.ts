/**
 * The life of a long-running kube-posture process (`serve`, and the coming `controller`): what to
 * close on shutdown, in which order, and within which time. One piece, so the two commands cannot
 * drift apart in how they drain.
 *
 * Order on shutdown: readiness fails at once (`state.shuttingDown`), so the endpoint leaves rotation;
 * watchers stop (no reload starts mid-drain); then every registered closer runs in parallel (servers
 * finish in-flight requests, informers stop), bounded by the grace period; last, the log is flushed.
 */
import type { Logger } from 'pino';
import { errorMessage } from '../core/errors.js';

export interface Closable {
  close(): void;
}

export interface LifecycleOptions {
  logger: Logger;
  /** Time for in-flight work after shutdown begins; what is still running then is cut off. */
  graceSeconds: number;
  /** Called when the grace period runs out; default exits the process with status 1. */
  onGraceExpired?: () => void;
}

export class ProcessLifecycle {
  /** Read by readiness probes: true from the first moment of shutdown. */
  readonly state = { shuttingDown: false };
  private readonly watchers: Closable[] = [];
  private readonly closers: { name: string; close: () => Promise<unknown> }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: LifecycleOptions) {}

  /** A watcher (file watch, reloader): closed first, so nothing reloads during the drain. */
  watch<T extends Closable>(handle: T): T {
    this.watchers.push(handle);
    return handle;
  }

  /** Something to drain or stop on shutdown (a server, an informer); closers run in parallel. */
  onShutdown(name: string, close: () => Promise<unknown>): void {
    this.closers.push({ name, close });
  }

  /** Starts the shutdown once; later calls return the same promise. */
  shutdown(reason: string): Promise<void> {
    this.stopping ??= this.run(reason);
    return this.stopping;
  }

  /**
   * SIGTERM and SIGINT shut down, then exit 0 (or 1 when the grace period ran out). A repeated signal
   * during the drain is ignored: Ctrl-C under `npm start` delivers SIGINT twice (from the terminal and
   * from npm), and the second must not kill the drain with Node's default handler.
   */
  handleSignals(proc: NodeJS.Process = process): void {
    const onSignal = (signal: string): void => {
      if (this.stopping !== undefined) {
        this.options.logger.info({ signal }, 'already shutting down; signal ignored');
        return;
      }
      void this.shutdown(signal).then(() => proc.exit(0));
    };
    proc.on('SIGTERM', onSignal);
    proc.on('SIGINT', onSignal);
  }

  private async run(reason: string): Promise<void> {
    const { logger, graceSeconds } = this.options;
    this.state.shuttingDown = true;
    logger.info({ reason, graceSeconds }, 'shutting down: no new work, finishing what is in flight');
    for (const w of this.watchers) w.close();
    const timer = setTimeout(() => {
      logger.error({ graceSeconds }, 'grace period over; exiting with work in flight');
      // pino writes the buffered lines synchronously on exit; an asynchronous flush started here
      // could still be in flight then and land after them.
      (this.options.onGraceExpired ?? (() => process.exit(1)))();
    }, graceSeconds * 1000);
    timer.unref();
    const results = await Promise.allSettled(this.closers.map((c) => c.close()));
    clearTimeout(timer);
    results.forEach((r, i) => {
      if (r.status === 'rejected') logger.warn({ component: this.closers[i]!.name, err: errorMessage(r.reason) }, 'did not stop cleanly');
    });
    logger.info('stopped');
    await new Promise<void>((done) => logger.flush(() => done()));
  }
}
