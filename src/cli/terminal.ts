/**
 * What a person at a terminal gets and a pipe or file never does: colour and a progress line.
 * Decided here, from the streams and the environment; reporters only take a yes or no.
 */
import type { Command } from 'commander';
import { SEVERITIES, type Severity } from '../core/types.js';
import type { TableView } from '../reporters/table.js';

/**
 * Colour when writing to a terminal. `--no-color` and `NO_COLOR` (any non-empty value, no-color.org)
 * always switch it off; `FORCE_COLOR` (non-empty, not `0` or `false`) switches it on for pipes too;
 * otherwise only a TTY whose TERM is not `dumb` gets colour.
 */
export function useColor(flag: boolean | undefined, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  if ((env.NO_COLOR ?? '') !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export const SHOW_CHOICES = ['all', 'deny', 'warn'] as const;

/** What `addTableOptions` adds to a command's options. */
export interface TableOptions {
  show?: string;
  minSeverity?: string;
  /** false with `--no-color`. */
  color?: boolean;
}

/**
 * `--show`, `--min-severity` and `--no-color`, for every command that prints the table (`scan`, `audit`):
 * one definition, so their names, help and meaning cannot drift apart. Checked by `tableView`.
 */
export function addTableOptions(command: Command): Command {
  return command
    .option('--show <which>', 'table: which findings to list: all (default), warn (deny and warn), deny; never changes the exit code')
    .option('--min-severity <level>', 'table: list findings of this severity or worse (critical, high, medium, low, info); never changes the exit code')
    .option('--no-color', 'no colour in the table (also NO_COLOR=1; FORCE_COLOR=1 forces it into a pipe)');
}

/** `--show` and `--min-severity` checked (a bad value is a usage error), with the colour decision. */
export function tableView(opts: TableOptions, stream: { isTTY?: boolean } = process.stdout): TableView {
  if (opts.show !== undefined && !(SHOW_CHOICES as readonly string[]).includes(opts.show)) throw new Error(`--show must be ${SHOW_CHOICES.join(', ')}`);
  if (opts.minSeverity !== undefined && !(SEVERITIES as readonly string[]).includes(opts.minSeverity)) throw new Error(`--min-severity must be ${SEVERITIES.join(', ')}`);
  return {
    ...(opts.show !== undefined ? { show: opts.show as TableView['show'] } : {}),
    ...(opts.minSeverity !== undefined ? { minSeverity: opts.minSeverity as Severity } : {}),
    color: useColor(opts.color, stream),
  };
}

/** Scans of fewer objects than this finish before a progress line would be read. */
export const PROGRESS_MIN_OBJECTS = 1000;

/**
 * A progress line on standard error for a long scan, on a terminal only (never in a pipe, a file or a
 * CI log): rewritten in place, at most every 100 objects, and erased when the scan ends. `scan` streams
 * its input, so the number of objects is known only at the end: the line counts the objects judged, from
 * the PROGRESS_MIN_OBJECTS-th on. `end` may be called more than once.
 */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): { onProgress?: (done: number) => void; end(): void } {
  if (stream.isTTY !== true) return { end() {} };
  let shown = false;
  return {
    onProgress(done) {
      if (done % 100 !== 0 || done < PROGRESS_MIN_OBJECTS) return;
      stream.write(`\r\x1b[Kkube-posture: scanned ${done} objects`);
      shown = true;
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
