/** The sinks that POST over HTTP: Alertmanager, a Slack incoming webhook, the generic webhook. */
import { postableAlert } from './alertmanager-payload.js';
import { postBody } from './http-post.js';
import type { Alert } from './model.js';
import type { SendOutcome, SinkTransport } from './sink.js';
import { SLACK_MAX_ALERTS_PER_MESSAGE, slackMessage } from './slack-payload.js';
import { SIGNATURE_HEADER, signature, TIMESTAMP_HEADER, webhookPayload } from './webhook-payload.js';

export interface AlertmanagerSinkOptions {
  /** Base URL (`http://alertmanager:9093`); `/api/v2/alerts` is appended. */
  url: string;
  bearerToken?: string;
  /** How long a firing alert stays firing in Alertmanager unless it is sent again. */
  leaseMs: number;
  now?: () => number;
}

export function alertmanagerSink(o: AlertmanagerSinkOptions): SinkTransport {
  const url = `${o.url.replace(/\/+$/, '')}/api/v2/alerts`;
  const headers: Record<string, string> = o.bearerToken !== undefined ? { authorization: `Bearer ${o.bearerToken}` } : {};
  const now = o.now ?? Date.now;
  return {
    type: 'alertmanager',
    maxBatch: 64,
    send(alerts: readonly Alert[], signal: AbortSignal): Promise<SendOutcome> {
      const t = now();
      // A field that was fixed while another field of the same policy still fires on the object: the
      // Alertmanager alert (one per policy and object) stays open; the other's re-sends keep it.
      const body = alerts.filter((a) => !(a.status === 'resolved' && a.samePolicyActive === true)).map((a) => postableAlert(a, t, o.leaseMs));
      if (body.length === 0) return Promise.resolve({ ok: true });
      return postBody(url, JSON.stringify(body), headers, signal, now);
    },
  };
}

export interface SlackSinkOptions {
  /** The incoming webhook URL: a secret (whoever has it can post to the channel). */
  url: string;
  now?: () => number;
}

export function slackSink(o: SlackSinkOptions): SinkTransport {
  return {
    type: 'slack',
    maxBatch: SLACK_MAX_ALERTS_PER_MESSAGE,
    send: (alerts, signal) => postBody(o.url, JSON.stringify(slackMessage(alerts)), {}, signal, o.now),
  };
}

export interface WebhookSinkOptions {
  url: string;
  /** Sent with every POST (SIEM intake tokens: `Authorization: Splunk <token>`). */
  headers: Record<string, string>;
  /** When set, every POST is signed (webhook-payload.ts `signature`). */
  hmacSecret?: string;
  now?: () => number;
}

export function webhookSink(o: WebhookSinkOptions): SinkTransport {
  const now = o.now ?? Date.now;
  return {
    type: 'webhook',
    maxBatch: 1,
    send(alerts, signal) {
      const body = JSON.stringify(webhookPayload(alerts[0]!));
      const headers = { ...o.headers };
      if (o.hmacSecret !== undefined) {
        const timestamp = String(Math.floor(now() / 1000));
        headers[TIMESTAMP_HEADER] = timestamp;
        headers[SIGNATURE_HEADER] = signature(o.hmacSecret, timestamp, body);
      }
      return postBody(o.url, body, headers, signal, now);
    },
  };
}
