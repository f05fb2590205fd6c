import type { PolicySet } from './policy-set.js';
import { guardedRunner, type GuardedRunner } from '../guard/guard.js';

/** A loaded policy set with what evaluation needs beside it, immutable once built. */
export interface ActivePolicySet {
  readonly set: PolicySet;
  /** Guarded runner built for this set's time budget (one vm context, reused by every review). */
  readonly runner: GuardedRunner;
  /** Increases with every successful (re)load, for logs. */
  readonly generation: number;
}

/**
 * Holds the policy set in force. A reload builds a whole new set and swaps the reference in one
 * assignment: a review that already read `current()` finishes with the set it started with.
 */
export class PolicySetHolder {
  private active: ActivePolicySet | undefined;
  private generation = 0;

  current(): ActivePolicySet | undefined {
    return this.active;
  }

  /** Replaces the active set; returns the new active set. */
  swap(set: PolicySet): ActivePolicySet {
    this.generation += 1;
    this.active = Object.freeze({ set, runner: guardedRunner({ timeoutMs: set.engine.timeoutMs }), generation: this.generation });
    return this.active;
  }
}
