/** A token bucket on an injected clock. Pure: it says how long to wait, it never waits. */

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `perSecond` tokens are added each second, up to `burst`. */
  constructor(private readonly perSecond: number, private readonly burst: number, now: number) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes a token and returns 0, or returns the ms until one is available (nothing is taken). */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  /** A receiver said to wait (429): no token until then. */
  pauseUntil(now: number, untilMs: number): void {
    this.refill(now);
    // Exactly one token is back at `untilMs`.
    this.tokens = Math.min(this.tokens, 1 - (Math.max(0, untilMs - now) / 1000) * this.perSecond);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perSecond);
    this.last = now;
  }
}
