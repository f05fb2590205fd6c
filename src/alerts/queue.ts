/**
 * A bounded priority queue of alerts for one sink. Taken most severe first, oldest first within a
 * severity. When full, the oldest alert of the lowest severity present (counting the one arriving)
 * is dropped: a sink that is down loses its `info` noise before it loses a `critical`.
 */
import type { Severity } from '../core/types.js';
import { SEVERITY_RANK } from './model.js';

interface Lane<T> {
  items: T[];
  head: number;
}

export class AlertQueue<T extends { severity: Severity }> {
  /** Index = severity rank (0 info ... 4 critical). */
  private readonly lanes: Lane<T>[] = [0, 1, 2, 3, 4].map(() => ({ items: [], head: 0 }));
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('queue capacity must be a positive integer');
  }

  get size(): number {
    return this.count;
  }

  /** Adds an item; returns what was dropped to make room (possibly the item itself), if anything. */
  push(item: T): T | undefined {
    const rank = SEVERITY_RANK[item.severity];
    if (this.count < this.capacity) {
      this.lanes[rank]!.items.push(item);
      this.count++;
      return undefined;
    }
    const lowest = this.lowestRank();
    // Nothing queued is less severe than the newcomer: the newcomer is the one to go.
    if (lowest === undefined || lowest >= rank) return item;
    const dropped = this.shift(this.lanes[lowest]!);
    this.lanes[rank]!.items.push(item);
    return dropped;
  }

  /** Whether an item of this severity pushed now would itself be dropped (full of items at least as severe). */
  wouldDrop(severity: Severity): boolean {
    if (this.count < this.capacity) return false;
    const lowest = this.lowestRank();
    return lowest === undefined || lowest >= SEVERITY_RANK[severity];
  }

  /** The most severe, oldest item, removed. */
  take(): T | undefined {
    for (let r = 4; r >= 0; r--) {
      const lane = this.lanes[r]!;
      if (lane.head < lane.items.length) {
        this.count--;
        return this.shift(lane);
      }
    }
    return undefined;
  }

  /** Empties the queue, returning what was in it. */
  drain(): T[] {
    const all: T[] = [];
    for (let item = this.take(); item !== undefined; item = this.take()) all.push(item);
    return all;
  }

  private lowestRank(): number | undefined {
    for (let r = 0; r <= 4; r++) {
      const lane = this.lanes[r]!;
      if (lane.head < lane.items.length) return r;
    }
    return undefined;
  }

  private shift(lane: Lane<T>): T {
    const item = lane.items[lane.head]!;
    lane.items[lane.head] = undefined as unknown as T;
    lane.head++;
    if (lane.head === lane.items.length) {
      lane.items = [];
      lane.head = 0;
    }
    // Compact now and then so a long-lived lane does not grow without bound.
    if (lane.head > 64 && lane.head * 2 > lane.items.length) {
      lane.items = lane.items.slice(lane.head);
      lane.head = 0;
    }
    return item;
  }
}
