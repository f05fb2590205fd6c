/**
 * The Kubernetes Events sink: one `events.k8s.io/v1` Event per firing alert, created through the
 * cluster client (src/cluster/api.ts). Resolutions make no event (an Event reports something that
 * happened; the finding's report says what is current).
 */
import { ApiError, type ApiClient } from '../cluster/api.js';
import { eventNamespace, eventObject } from './event-payload.js';
import type { Alert } from './model.js';
import type { SendOutcome, SinkTransport } from './sink.js';

export interface EventsSinkOptions {
  api: ApiClient;
  /** This process (the pod name): `reportingInstance`. */
  instance: string;
  now?: () => number;
}

export function eventsSink(o: EventsSinkOptions): SinkTransport {
  const now = o.now ?? Date.now;
  return {
    type: 'events',
    maxBatch: 1,
    async send(alerts: readonly Alert[], signal: AbortSignal): Promise<SendOutcome> {
      const a = alerts[0]!;
      if (a.status === 'resolved') return { ok: true };
      const path = `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(eventNamespace(a))}/events`;
      const aborted = new Promise<SendOutcome>((resolve) => {
        if (signal.aborted) resolve({ ok: false, retryable: true, reason: 'timeout' });
        signal.addEventListener('abort', () => resolve({ ok: false, retryable: true, reason: 'timeout' }), { once: true });
      });
      const sent = o.api.request('POST', path, eventObject(a, now(), o.instance)).then(
        (): SendOutcome => ({ ok: true }),
        (err: unknown): SendOutcome => classify(err),
      );
      return Promise.race([sent, aborted]);
    },
  };
}

function classify(err: unknown): SendOutcome {
  if (!(err instanceof ApiError)) return { ok: false, retryable: true, reason: 'error' };
  const status = err.status;
  // 409: an event of that name exists, so an earlier attempt of this very occurrence got through.
  if (status === 409) return { ok: true };
  if (status === 0) return { ok: false, retryable: true, reason: 'connection' };
  if (status === 429) return { ok: false, retryable: true, reason: 'http_429', status };
  if (status >= 500) return { ok: false, retryable: true, reason: 'http_5xx', status };
  return { ok: false, retryable: false, reason: 'http_4xx', status };
}
