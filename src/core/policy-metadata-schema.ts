/** JSON Schema of policy metadata, shared by TypeScript modules and declarative documents. */
const action = { enum: ['deny', 'warn', 'audit'] };
const operation = { enum: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] };

export const metadataProperties = {
  id: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' },
  title: { type: 'string', minLength: 1, maxLength: 120 },
  description: { type: 'string', minLength: 1 },
  severity: { enum: ['critical', 'high', 'medium', 'low', 'info'] },
  category: { type: 'string', pattern: '^[a-z0-9-]+$' },
  controls: { type: 'array', items: { type: 'string', pattern: '^(pss|cis-k8s|nsa|mitre|cve):.+$' }, uniqueItems: true },
  remediation: { type: 'string', minLength: 1 },
  defaultAction: action,
  recommended: action,
  parameters: { type: 'object', required: ['type'], properties: { type: { const: 'object' } } },
  onError: { enum: ['closed', 'open'] },
  requires: { type: 'array', items: { enum: ['vulnerabilities'] }, uniqueItems: true },
  pss: {
    type: 'object',
    additionalProperties: false,
    required: ['level', 'checkId'],
    properties: {
      level: { enum: ['baseline', 'restricted'] },
      checkId: { type: 'string', minLength: 1 },
      supersedes: {
        type: 'array',
        items: { type: 'object', additionalProperties: false, required: ['policy', 'since'], properties: { policy: { type: 'string' }, since: { type: 'string', pattern: '^v1\\.[0-9]+$' } } },
      },
    },
  },
  match: {
    type: 'object',
    additionalProperties: false,
    properties: {
      kinds: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
      operations: { type: 'array', items: operation, minItems: 1 },
      subResources: { type: 'array', items: { type: 'string', minLength: 1 } },
    },
  },
} as const;

const required = ['id', 'title', 'description', 'severity', 'category', 'controls', 'remediation', 'defaultAction'];

/** A TypeScript module's default export, functions aside. */
export const modulePolicySchema = {
  type: 'object',
  required: [...required, 'target', 'check'],
  additionalProperties: false,
  properties: {
    ...metadataProperties,
    target: { enum: ['pod', 'object', 'cluster'] },
    viewKinds: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
    check: {},
    prepare: {},
    fix: {},
  },
} as const;

/** A declarative (YAML/JSON) policy document. */
export const schemaPolicyDocumentSchema = {
  type: 'object',
  required: [...required, 'schema', 'message'],
  additionalProperties: false,
  properties: {
    ...metadataProperties,
    target: { enum: ['object', 'pod', 'container'] },
    schema: { type: 'object' },
    message: { type: 'string' },
    fix: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['op', 'path'],
        properties: {
          op: { enum: ['set', 'merge', 'add', 'remove'] },
          path: { type: 'string', minLength: 1 },
          value: {},
        },
      },
    },
  },
} as const;
