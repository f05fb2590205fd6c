/** Retry timing: exponential backoff with full jitter, and the `Retry-After` header. Pure. */

export interface BackoffOptions {
  /** First retry's ceiling, in ms. */
  baseMs: number;
  /** No retry waits longer than this, in ms. */
  maxMs: number;
}

/**
 * Full jitter (a uniform draw in [0, min(max, base * 2^attempt)]): replicas that failed together
 * do not retry together. `attempt` counts from 0 for the first retry; `random` is in [0, 1).
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date (RFC 9110). Undefined when absent or
 * unreadable; never negative; capped so that a receiver cannot park a sink for a day.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number, capMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^[0-9]+$/.test(text)) ms = Number(text) * 1000;
  else {
    // An HTTP date names its day and month; bare numbers of other shapes ("-1") are not dates here.
    if (!/^[A-Za-z]{3}, /.test(text)) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(capMs, Math.max(0, ms));
}
