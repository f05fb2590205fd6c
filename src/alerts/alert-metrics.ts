/**
 * Metrics of alert delivery, by sink (its configured name: never a URL or a token). Counts are in
 * alerts, not HTTP requests: a batch of three that is sent counts three.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FailureReason } from './sink.js';

/** Why alerts were given up: the queue was full, retries ran out, the receiver refused them, or the process stopped. */
export type DropReason = 'queue_full' | 'retries_exhausted' | 'rejected' | 'shutdown';

export interface AlertMetrics {
  sent(sink: string, n: number): void;
  failed(sink: string, reason: FailureReason, n: number): void;
  retried(sink: string, n: number): void;
  dropped(sink: string, reason: DropReason, n: number): void;
  queueDepth(sink: string, depth: number): void;
}

export function createAlertMetrics(registry: Registry, prefix = 'kube_posture_'): AlertMetrics {
  const sent = new Counter({ name: `${prefix}alerts_sent_total`, help: 'Alerts delivered, by sink.', labelNames: ['sink'], registers: [registry] });
  const failed = new Counter({ name: `${prefix}alerts_failed_total`, help: 'Alerts in delivery attempts that failed, by sink and reason (each attempt counts).', labelNames: ['sink', 'reason'], registers: [registry] });
  const retried = new Counter({ name: `${prefix}alerts_retried_total`, help: 'Alerts sent again after a failed attempt, by sink.', labelNames: ['sink'], registers: [registry] });
  const dropped = new Counter({ name: `${prefix}alerts_dropped_total`, help: 'Alerts given up, by sink and reason (queue_full, retries_exhausted, rejected, shutdown).', labelNames: ['sink', 'reason'], registers: [registry] });
  const depth = new Gauge({ name: `${prefix}alerts_queue_depth`, help: 'Alerts waiting in the sink queue.', labelNames: ['sink'], registers: [registry] });
  return {
    sent: (sink, n) => sent.labels(sink).inc(n),
    failed: (sink, reason, n) => failed.labels(sink, reason).inc(n),
    retried: (sink, n) => retried.labels(sink).inc(n),
    dropped: (sink, reason, n) => dropped.labels(sink, reason).inc(n),
    queueDepth: (sink, d) => depth.labels(sink).set(d),
  };
}
