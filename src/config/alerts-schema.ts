/**
 * The `alerts:` section of the configuration file (docs/alerting.md). Secrets (webhook URLs, tokens)
 * are given as `{fromEnv: NAME}` or `{fromFile: /path}` so the chart can mount them from a Secret; a
 * plain string is accepted for values that are not secret (an in-cluster Alertmanager URL).
 */
const stringList = { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true } as const;

const secretValue = {
  description: 'A string, or {fromEnv: VARIABLE} or {fromFile: /path} (the file\'s content, trailing newline removed).',
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'object', additionalProperties: false, required: ['fromEnv'], properties: { fromEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } } },
    { type: 'object', additionalProperties: false, required: ['fromFile'], properties: { fromFile: { type: 'string', minLength: 1 } } },
  ],
} as const;

const severity = { enum: ['critical', 'high', 'medium', 'low', 'info'] } as const;

const sink = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$', description: 'Unique; the `sink` label of the metrics.' },
    type: { enum: ['alertmanager', 'slack', 'webhook', 'events'] },
    url: { ...secretValue, description: 'alertmanager: base URL (http://alertmanager:9093); slack: the incoming webhook URL (secret); webhook: the endpoint.' },
    // Filters.
    minSeverity: severity,
    sources: { type: 'array', items: { enum: ['admission', 'scan'] }, uniqueItems: true, minItems: 1 },
    actions: { type: 'array', items: { enum: ['deny', 'warn', 'audit'] }, uniqueItems: true, minItems: 1 },
    namespaces: stringList,
    policies: stringList,
    onlyNew: { type: 'boolean', description: 'Only the first announcement of a finding: no counts, re-sends or resolutions.' },
    // Delivery.
    queueSize: { type: 'integer', minimum: 1, maximum: 100000 },
    ratePerSecond: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
    timeoutSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 60 },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 20 },
    backoffBaseMs: { type: 'integer', minimum: 1, maximum: 60000 },
    backoffMaxMs: { type: 'integer', minimum: 1, maximum: 600000 },
    // alertmanager
    bearerToken: secretValue,
    resolveAfterSeconds: { type: 'integer', minimum: 5, maximum: 86400, description: 'alertmanager: endsAt lease of a firing alert (re-sent well before it runs out while the finding lasts).' },
    // webhook
    headers: { type: 'object', additionalProperties: secretValue, description: 'webhook: extra headers (Authorization for a SIEM intake).' },
    hmacSecret: secretValue,
  },
  allOf: [
    { if: { properties: { type: { enum: ['alertmanager', 'slack', 'webhook'] } } }, then: { required: ['url'], properties: { url: true } } },
  ],
} as const;

export const alertsSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Alerts about new findings to Alertmanager, Slack, a webhook or Kubernetes Events (docs/alerting.md).',
  properties: {
    cluster: { type: 'string', minLength: 1, maxLength: 128, default: 'default', description: 'The `cluster` label: the same in the webhook and the controller.' },
    reportUrl: { type: 'string', minLength: 1, description: 'Link template for alerts; {namespace}, {kind}, {name}, {policy} are replaced.' },
    admissionWindowSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 60, description: 'Denials of the same object and policy within this window are one alert with a count.' },
    resendIntervalSeconds: { type: 'integer', minimum: 10, maximum: 3600, default: 60, description: 'How often active scan findings are re-sent to Alertmanager.' },
    sinks: { type: 'array', items: sink, default: [] },
  },
} as const;

/** A value from the file, an environment variable, or as written. */
export type SecretValue = string | { fromEnv: string } | { fromFile: string };

export interface SinkConfig {
  name: string;
  type: 'alertmanager' | 'slack' | 'webhook' | 'events';
  url?: SecretValue;
  minSeverity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
  sources?: ('admission' | 'scan')[];
  actions?: ('deny' | 'warn' | 'audit')[];
  namespaces?: string[];
  policies?: string[];
  onlyNew?: boolean;
  queueSize?: number;
  ratePerSecond?: number;
  timeoutSeconds?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  bearerToken?: SecretValue;
  resolveAfterSeconds?: number;
  headers?: Record<string, SecretValue>;
  hmacSecret?: SecretValue;
}

export interface AlertsConfig {
  cluster: string;
  reportUrl?: string;
  admissionWindowSeconds: number;
  resendIntervalSeconds: number;
  sinks: SinkConfig[];
}
