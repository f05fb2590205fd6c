/**
 * Metrics of alert delivery, by sink (its configured name: never a URL or a token). Counts are in
 * alerts, not HTTP requests: a batch of three that is sent counts three.
 *
 * Alerts are offered on the admission path (several per denied review, per sink), and a prom-client
 * labelled child hashes its labels on every call: counts go into plain maps and are added to the
 * prom-client metrics when scraped, as src/admission/metrics.ts does for reviews.
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

/** Counts per label set (labels joined by NUL), added to `counter` and cleared when it is collected. */
function pendingCounts(counter: () => Counter): { add(key: string, n: number): void; flush(): void } {
  const counts = new Map<string, number>();
  return {
    add(key, n) {
      counts.set(key, (counts.get(key) ?? 0) + n);
    },
    flush() {
      for (const [key, n] of counts) if (n > 0) counter().labels(...key.split('\0')).inc(n);
      counts.clear();
    },
  };
}

export function createAlertMetrics(registry: Registry, prefix = 'kube_posture_'): AlertMetrics {
  const sentP = pendingCounts(() => sent);
  const failedP = pendingCounts(() => failed);
  const retriedP = pendingCounts(() => retried);
  const droppedP = pendingCounts(() => dropped);
  const depths = new Map<string, number>();
  const sent: Counter = new Counter({ name: `${prefix}alerts_sent_total`, help: 'Alerts delivered, by sink.', labelNames: ['sink'], registers: [registry], collect: () => sentP.flush() });
  const failed: Counter = new Counter({ name: `${prefix}alerts_failed_total`, help: 'Alerts in delivery attempts that failed, by sink and reason (each attempt counts).', labelNames: ['sink', 'reason'], registers: [registry], collect: () => failedP.flush() });
  const retried: Counter = new Counter({ name: `${prefix}alerts_retried_total`, help: 'Alerts sent again after a failed attempt, by sink.', labelNames: ['sink'], registers: [registry], collect: () => retriedP.flush() });
  const dropped: Counter = new Counter({ name: `${prefix}alerts_dropped_total`, help: 'Alerts given up, by sink and reason (queue_full, retries_exhausted, rejected, shutdown).', labelNames: ['sink', 'reason'], registers: [registry], collect: () => droppedP.flush() });
  const depth: Gauge = new Gauge({
    name: `${prefix}alerts_queue_depth`, help: 'Alerts waiting in the sink queue.', labelNames: ['sink'], registers: [registry],
    collect: () => {
      for (const [sink, d] of depths) depth.labels(sink).set(d);
    },
  });
  return {
    sent: (sink, n) => sentP.add(sink, n),
    failed: (sink, reason, n) => failedP.add(`${sink}\0${reason}`, n),
    retried: (sink, n) => retriedP.add(sink, n),
    dropped: (sink, reason, n) => droppedP.add(`${sink}\0${reason}`, n),
    queueDepth: (sink, d) => void depths.set(sink, d),
  };
}
