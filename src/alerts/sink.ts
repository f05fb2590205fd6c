/** What a sink is to the dispatcher: something that sends a batch of alerts and says how it went. */
import type { Alert } from './model.js';

export type SinkType = 'alertmanager' | 'slack' | 'webhook' | 'events';
export const SINK_TYPES: readonly SinkType[] = ['alertmanager', 'slack', 'webhook', 'events'];

/** Why a delivery attempt failed: a fixed set, so it can be a metrics label and a log field. */
export type FailureReason = 'timeout' | 'connection' | 'http_429' | 'http_5xx' | 'http_4xx' | 'error';

export type SendOutcome =
  | { ok: true }
  | { ok: false; retryable: boolean; reason: FailureReason; status?: number; retryAfterMs?: number };

export interface SinkTransport {
  readonly type: SinkType;
  /** Most alerts one delivery carries (Alertmanager takes a list; a webhook POST is one alert). */
  readonly maxBatch: number;
  /** Sends; never throws. `signal` aborts on timeout or shutdown. */
  send(alerts: readonly Alert[], signal: AbortSignal): Promise<SendOutcome>;
}
