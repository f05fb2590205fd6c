/**
 * JSON Schema of the configuration file. Unknown keys are rejected everywhere so that a typo
 * (`exemption:` for `exemptions:`) is an error rather than a silently ignored setting.
 */
import { alertsSchema } from './alerts-schema.js';

const stringList = { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true } as const;
const labelSelector = {
  type: 'object',
  additionalProperties: false,
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'operator'],
        properties: { key: { type: 'string', minLength: 1 }, operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }, values: stringList },
      },
    },
  },
} as const;

const exemptions = {
  type: 'object',
  additionalProperties: false,
  description: 'Requests that policies do not apply to.',
  properties: {
    namespaces: stringList,
    usernames: stringList,
    groups: stringList,
    serviceAccounts: { ...stringList, description: '`namespace:name` or `system:serviceaccount:namespace:name`' },
    runtimeClasses: stringList,
    namespaceSelector: labelSelector,
    objectSelector: labelSelector,
  },
} as const;

export const configSchema = {
  $id: 'https://kube-posture.io/schemas/config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    profile: { type: 'string', default: 'recommended', description: 'Base policy set: recommended, pss-baseline, pss-restricted, all or none; several comma-separated compose (union, the stricter action wins).' },
    mode: { enum: ['enforce', 'warn', 'audit'], default: 'enforce', description: 'audit never denies: what would be denied is warned and annotated.' },
    podSecurity: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { version: { type: 'string', pattern: '^(latest|v1\\.[0-9]+)$', default: 'latest' } },
    },
    policies: {
      type: 'object',
      default: {},
      description: 'Per-policy settings, by policy id.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          action: { enum: ['deny', 'warn', 'audit'] },
          parameters: { type: 'object' },
          exemptions,
          onError: { enum: ['closed', 'open'] },
        },
      },
    },
    exemptions: { ...exemptions, default: {} },
    namespaceLabels: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        prefix: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', default: 'kube-posture.io' },
        podSecurityLabels: { type: 'boolean', default: false },
      },
    },
    ignoreAnnotations: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Per-object suppressions (kube-posture.io/ignore with kube-posture.io/ignore-reason): which policies an object may switch off for itself.',
      properties: {
        allow: { enum: ['none', 'warn-only', 'all'], default: 'warn-only', description: 'none: never; warn-only: warn and audit policies, never a deny; all: any policy.' },
      },
    },
    evaluation: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        timeoutMs: { type: 'integer', minimum: 1, maximum: 10000, default: 100 },
        onError: { enum: ['closed', 'open'], default: 'closed' },
      },
    },
    policyDirectories: { ...stringList, default: [], description: 'Directories of user policies (TypeScript modules or YAML/JSON schema policies).' },
    onPolicyLoadError: { enum: ['fail', 'skip'], default: 'fail', description: 'fail: refuse the configuration when a policy does not load; skip: load the others and report it.' },
    alerts: alertsSchema,
    vulnerabilities: {
      type: 'object',
      additionalProperties: false,
      description: 'Image scan results (docs/vulnerabilities.md).',
      properties: {
        webhookCache: {
          type: 'object',
          additionalProperties: false,
          description: "The webhook's cache of Trivy Operator VulnerabilityReports (image digest, reference and scanned workload container to summary), for policies that require image scan results at admission. Off unless enabled; needs cluster access and get, list, watch on vulnerabilityreports. Read at start.",
          properties: {
            enabled: { type: 'boolean', default: false },
            maxImages: { type: 'integer', minimum: 1, maximum: 1000000, default: 10000, description: 'Entries held at most (a report counts once per digest, once per reference and once per workload container it names: twice for a ReplicaSet, also found as its Deployment); the least recently used go first.' },
          },
        },
      },
    },
  },
} as const;
