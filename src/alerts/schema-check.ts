/**
 * The generic webhook's published JSON Schema (docs/schema/alert-webhook-v1.schema.json), compiled:
 * unit tests and the real-receiver tests check every payload against the document users read.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const schemaFile = new URL('../../docs/schema/alert-webhook-v1.schema.json', import.meta.url);

export function webhookSchemaValidator(): (value: unknown) => string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`));
}
