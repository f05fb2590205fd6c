/**
 * Admission denials of the same object and policy within a window collapse into one alert with a
 * count: the first is announced at once, repeats are counted, and when the window closes one more
 * alert carries the total (only if there were repeats). Pure: time is passed in.
 */
import type { Alert } from './model.js';

interface Entry {
  windowStart: number;
  lastSeen: number;
  count: number;
  repeats: number;
  latest: Alert;
}

export class CollapseWindow {
  private readonly entries = new Map<string, Entry>();
  /**
   * Windows in opening order, for closing them. Not the Map's own order: iterating a Map from its
   * start after many deletions walks over every deleted slot each time (hundreds of µs per review).
   */
  private order: { fp: string; entry: Entry }[] = [];
  private head = 0;

  /** `maxEntries` bounds memory: past it, the oldest window is closed early. */
  constructor(private readonly windowMs: number, private readonly maxEntries = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Counts a repeat when a window is open for `key` (and returns true): the caller then need not build
   * the alert at all, which is most of the cost of a repeated denial.
   */
  repeat(key: string, now: number): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined || now - entry.windowStart >= this.windowMs) return false;
    entry.count++;
    entry.repeats++;
    entry.lastSeen = now;
    return true;
  }

  /**
   * Returns the alerts to send now: the newcomer if it opens a window, plus any window closed early.
   * `key` identifies the finding (default its fingerprint).
   */
  offer(alert: Alert, now: number, key: string = alert.fingerprint): Alert[] {
    const out = this.flush(now);
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      entry.count++;
      entry.repeats++;
      entry.latest = alert;
      entry.lastSeen = alert.lastSeen;
      return out;
    }
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.shiftOpen();
      if (oldest !== undefined) out.push(...this.close(oldest.fp));
    }
    const created: Entry = { windowStart: now, lastSeen: alert.lastSeen, count: 1, repeats: 0, latest: alert };
    this.entries.set(key, created);
    this.order.push({ fp: key, entry: created });
    out.push(alert);
    return out;
  }

  /** The oldest window still open, removed from the order (entries closed already are skipped). */
  private shiftOpen(): { fp: string; entry: Entry } | undefined {
    while (this.head < this.order.length) {
      const o = this.order[this.head++]!;
      this.compact();
      if (this.entries.get(o.fp) === o.entry) return o;
    }
    return undefined;
  }

  private peekOpen(): { fp: string; entry: Entry } | undefined {
    while (this.head < this.order.length) {
      const o = this.order[this.head]!;
      if (this.entries.get(o.fp) === o.entry) return o;
      this.head++;
      this.compact();
    }
    return undefined;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  /** Closes the windows that have ended; returns the count alerts of those that saw repeats. */
  flush(now: number): Alert[] {
    const out: Alert[] = [];
    // Opening order: the first window still open ends the scan.
    for (let o = this.peekOpen(); o !== undefined && now - o.entry.windowStart >= this.windowMs; o = this.peekOpen()) {
      this.head++;
      this.compact();
      out.push(...this.close(o.fp));
    }
    return out;
  }

  /** Closes every window (shutdown): their counts are not lost. */
  flushAll(): Alert[] {
    const out: Alert[] = [];
    for (const fp of [...this.entries.keys()]) out.push(...this.close(fp));
    this.order = [];
    this.head = 0;
    return out;
  }

  private close(fp: string): Alert[] {
    const entry = this.entries.get(fp)!;
    this.entries.delete(fp);
    if (entry.repeats === 0) return [];
    return [{ ...entry.latest, count: entry.count, firstSeen: entry.windowStart, lastSeen: entry.lastSeen, isNew: false }];
  }
}
