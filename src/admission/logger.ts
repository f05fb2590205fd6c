/**
 * The webhook's pino logger. Reviews are logged by identity (uid, kind, namespace, name, operation,
 * user) and outcome, never by content: the handler never passes a request body or object to the
 * logger. Redaction is the second line of defence, for a field someone adds later by mistake.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * Keys whose values may carry object contents (Secret data, ConfigMap data, env values). Top-level
 * only: wildcard paths made redaction a noticeable share of a review's cost, and the review log line
 * is built from flat identity fields and policy ids, never from nested request data.
 */
export const REDACTED_PATHS: readonly string[] = [
  'body', 'request', 'review', 'object', 'oldObject', 'data', 'stringData', 'binaryData', 'env', 'spec', 'value',
  'req.body', 'req.headers.authorization', 'req.headers.cookie',
];

export function createLogger(options: { level?: LevelWithSilent; destination?: DestinationStream; base?: Record<string, unknown> } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? { service: 'kube-posture' },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
