/**
 * Admission denials of the same object and policy within a window collapse into one alert with a
 * count: the first is announced at once, repeats are counted, and when the window closes one more
 * alert carries the total (only if there were repeats). Pure: time is passed in.
 */
import type { Alert } from './model.js';

interface Entry {
  windowStart: number;
  count: number;
  repeats: number;
  latest: Alert;
}

export class CollapseWindow {
  private readonly entries = new Map<string, Entry>();

  /** `maxEntries` bounds memory: past it, the oldest window is closed early. */
  constructor(private readonly windowMs: number, private readonly maxEntries = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  /** Returns the alerts to send now: the newcomer if it opens a window, plus any window closed early. */
  offer(alert: Alert, now: number): Alert[] {
    const out = this.flush(now);
    const entry = this.entries.get(alert.fingerprint);
    if (entry !== undefined) {
      entry.count++;
      entry.repeats++;
      entry.latest = alert;
      return out;
    }
    if (this.entries.size >= this.maxEntries) {
      const [oldest] = this.entries.keys();
      if (oldest !== undefined) out.push(...this.close(oldest));
    }
    this.entries.set(alert.fingerprint, { windowStart: now, count: 1, repeats: 0, latest: alert });
    out.push(alert);
    return out;
  }

  /** Closes the windows that have ended; returns the count alerts of those that saw repeats. */
  flush(now: number): Alert[] {
    const out: Alert[] = [];
    // Insertion order is opening order, so the first window still open ends the scan.
    for (const [fp, entry] of this.entries) {
      if (now - entry.windowStart < this.windowMs) break;
      out.push(...this.close(fp));
    }
    return out;
  }

  /** Closes every window (shutdown): their counts are not lost. */
  flushAll(): Alert[] {
    const out: Alert[] = [];
    for (const fp of [...this.entries.keys()]) out.push(...this.close(fp));
    return out;
  }

  private close(fp: string): Alert[] {
    const entry = this.entries.get(fp)!;
    this.entries.delete(fp);
    if (entry.repeats === 0) return [];
    return [{ ...entry.latest, count: entry.count, firstSeen: entry.windowStart, isNew: false }];
  }
}
