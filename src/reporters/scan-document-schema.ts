/**
 * JSON Schema (draft-07) of the saved scan (`scan-document.ts`). Published as
 * docs/schema/scan-v1.schema.json by `npm run docs:schema`; a test keeps the two equal. `report` validates
 * every input against it, so a page is never drawn from a file it does not understand.
 */
const severity = { enum: ['critical', 'high', 'medium', 'low', 'info'] };
const count = { type: 'integer', minimum: 0 };
const percentOrNull = { anyOf: [{ type: 'number', minimum: 0, maximum: 100 }, { type: 'null' }] };
const strings = { type: 'array', items: { type: 'string' } };
const bySeverity = { type: 'object', required: ['critical', 'high', 'medium', 'low', 'info'], properties: { critical: count, high: count, medium: count, low: count, info: count }, additionalProperties: false };

const finding = {
  type: 'object',
  required: ['kind', 'policyId', 'title', 'severity', 'category', 'action', 'message', 'path', 'remediation', 'controls'],
  properties: {
    kind: { enum: ['violation', 'error'] },
    policyId: { type: 'string', minLength: 1 },
    title: { type: 'string' },
    severity,
    category: { type: 'string' },
    action: { enum: ['deny', 'warn', 'audit'] },
    message: { type: 'string' },
    path: { type: 'string', description: 'Field path into the object, e.g. spec.template.spec.containers[0].securityContext.privileged' },
    value: { description: 'The offending value, scalars only', type: ['string', 'number', 'boolean', 'null'] },
    remediation: { type: 'string' },
    controls: strings,
    pssVersion: { type: 'string' },
    evidence: strings,
    line: { type: 'integer', minimum: 1 },
    baselined: { type: 'boolean', description: 'In the baseline given with scan --baseline: reported, and left out of the exit code' },
  },
};

const object = {
  type: 'object',
  required: ['apiVersion', 'kind', 'name', 'allowed', 'status', 'findings'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string', minLength: 1 },
    name: { type: 'string' },
    namespace: { type: 'string' },
    file: { type: 'string' },
    line: { type: 'integer', minimum: 0 },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    cluster: { type: 'string' },
    allowed: { type: 'boolean' },
    status: { enum: ['evaluated', 'exempt'] },
    exemptBy: { type: 'string' },
    policyExemptions: { type: 'array', items: { type: 'object', required: ['policyId', 'reason'], properties: { policyId: { type: 'string' }, reason: { type: 'string' } } } },
    findings: { type: 'array', items: finding },
  },
};

const control = {
  type: 'object',
  required: ['id', 'title', 'status', 'policies', 'evaluated', 'passed', 'failed', 'exempt', 'score', 'failing'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    status: { enum: ['judged', 'not-covered'] },
    severity,
    policies: strings,
    evaluated: count,
    passed: count,
    failed: count,
    exempt: count,
    score: { anyOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'null' }] },
    failing: { type: 'array', items: { type: 'object', required: ['object', 'policyId', 'path'], properties: { object: { type: 'string' }, policyId: { type: 'string' }, path: { type: 'string' } } } },
  },
};

export const scanDocumentSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/kube-posture/kube-posture/docs/schema/scan-v1.schema.json',
  title: 'kube-posture saved scan (kube-posture.io/scan/v1)',
  description: 'What `kube-posture scan -o json` and `kube-posture audit -o json` write and `kube-posture report` reads.',
  type: 'object',
  required: ['apiVersion', 'source', 'generatedAt', 'tool', 'policySet', 'summary', 'problems', 'objects', 'compliance'],
  properties: {
    apiVersion: { const: 'kube-posture.io/scan/v1' },
    source: {
      type: 'object',
      required: ['type', 'name'],
      properties: { type: { enum: ['cluster', 'manifests'] }, name: { type: 'string', minLength: 1, description: 'The cluster (kubeconfig context) or the manifest paths' } },
    },
    generatedAt: { type: 'string', format: 'date-time' },
    tool: { type: 'object', required: ['name', 'version'], properties: { name: { const: 'kube-posture' }, version: { type: 'string' } } },
    policySet: {
      type: 'object',
      required: ['profile', 'mode', 'pssVersion', 'configDigest', 'policies'],
      properties: {
        profile: { type: 'string' },
        mode: { enum: ['enforce', 'warn', 'audit'] },
        pssVersion: { type: 'string' },
        configDigest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
        policies: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'title', 'severity', 'category', 'controls', 'action', 'origin', 'version'],
            properties: {
              id: { type: 'string', minLength: 1 },
              title: { type: 'string' },
              severity,
              category: { type: 'string' },
              controls: strings,
              action: { enum: ['deny', 'warn', 'audit'] },
              origin: { enum: ['builtin', 'user'] },
              version: { type: 'string' },
            },
          },
        },
      },
    },
    summary: {
      type: 'object',
      required: ['objects', 'denied', 'exempt', 'findings', 'bySeverity', 'errors'],
      properties: {
        objects: count,
        denied: count,
        exempt: count,
        findings: { type: 'object', required: ['deny', 'warn', 'audit'], properties: { deny: count, warn: count, audit: count } },
        bySeverity,
        errors: count,
      },
    },
    problems: { type: 'array', items: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, file: { type: 'string' }, path: { type: 'string' }, line: { type: 'integer' } } } },
    errors: { type: 'array', items: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, file: { type: 'string' }, path: { type: 'string' }, line: { type: 'integer' } } } },
    notInspected: { type: 'object', additionalProperties: count },
    scope: {
      type: 'object',
      required: ['cluster', 'listed', 'judgedThroughOwner'],
      properties: { cluster: { type: 'string' }, listed: { type: 'object', additionalProperties: count }, judgedThroughOwner: { type: 'object', additionalProperties: count } },
    },
    objects: { type: 'array', items: object },
    compliance: {
      type: 'object',
      required: ['frameworks', 'namespaces'],
      properties: {
        frameworks: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'name', 'compliance', 'risk', 'applied', 'controls'],
            properties: { id: { type: 'string' }, name: { type: 'string' }, compliance: percentOrNull, risk: percentOrNull, applied: count, controls: { type: 'array', items: control } },
          },
        },
        namespaces: {
          type: 'array',
          items: {
            type: 'object',
            required: ['namespace', 'objects', 'failing', 'findings', 'weight'],
            properties: { namespace: { type: 'string', description: '"" for cluster-scoped objects' }, objects: count, failing: count, findings: bySeverity, weight: { type: 'number', minimum: 0 } },
          },
        },
      },
    },
  },
} as const;
