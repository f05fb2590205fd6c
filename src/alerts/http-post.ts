/**
 * One HTTP POST of a sink, classified. Nothing from the request (the URL holds Slack's secret, the
 * headers hold tokens) and nothing from the answer's body goes into the outcome: it is logged and
 * counted, and must never leak a secret.
 */
import { parseRetryAfter } from './backoff.js';
import type { SendOutcome } from './sink.js';

/** Longest wait a receiver's Retry-After can impose. */
export const RETRY_AFTER_CAP_MS = 5 * 60_000;

export async function postBody(url: string, body: string, headers: Record<string, string>, signal: AbortSignal, now: () => number = Date.now): Promise<SendOutcome> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal, redirect: 'error' });
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError' || signal.aborted) return { ok: false, retryable: true, reason: 'timeout' };
    return { ok: false, retryable: true, reason: 'connection' };
  }
  // The body is never read past what is needed to reuse the connection; a receiver that stalls it is cut off by the signal.
  try {
    await res.body?.cancel();
  } catch {
    // Nothing to do: the answer's status is all that matters.
  }
  if (res.status >= 200 && res.status < 300) return { ok: true };
  if (res.status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now(), RETRY_AFTER_CAP_MS);
    return { ok: false, retryable: true, reason: 'http_429', status: 429, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (res.status >= 500 || res.status === 408) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now(), RETRY_AFTER_CAP_MS);
    return { ok: false, retryable: true, reason: res.status === 408 ? 'timeout' : 'http_5xx', status: res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  // Other 4xx: the receiver refuses this payload or our credentials; sending it again will not help.
  return { ok: false, retryable: false, reason: 'http_4xx', status: res.status };
}
