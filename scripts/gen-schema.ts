// Writes the published JSON Schemas from the ones the code validates with: the saved scan
// (docs/schema/scan-v1.schema.json, from src/reporters/scan-document-schema.ts) and the baseline
// (docs/schema/baseline-v1.schema.json, from src/results/baseline.ts). test/report/scan-document.test.ts
// and src/results/baseline.test.ts fail when they differ.
import { writeFileSync } from 'node:fs';
import { scanDocumentSchema } from '../src/reporters/scan-document-schema.js';
import { baselineSchema } from '../src/results/baseline.js';

export const SCHEMA_FILE = 'docs/schema/scan-v1.schema.json';
export const schemaText = (): string => JSON.stringify(scanDocumentSchema, null, 2) + '\n';
export const BASELINE_SCHEMA_FILE = 'docs/schema/baseline-v1.schema.json';
export const baselineSchemaText = (): string => JSON.stringify(baselineSchema, null, 2) + '\n';

if (process.argv[1]?.endsWith('gen-schema.ts')) {
  writeFileSync(SCHEMA_FILE, schemaText());
  writeFileSync(BASELINE_SCHEMA_FILE, baselineSchemaText());
  process.stdout.write(`wrote ${SCHEMA_FILE} and ${BASELINE_SCHEMA_FILE}\n`);
}
