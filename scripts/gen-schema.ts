// Writes the published JSON Schema of the saved scan (docs/schema/scan-v1.schema.json) from the one the
// code validates with (src/reporters/scan-document-schema.ts). test/report/scan-document.test.ts fails
// when the two differ.
import { writeFileSync } from 'node:fs';
import { scanDocumentSchema } from '../src/reporters/scan-document-schema.js';

export const SCHEMA_FILE = 'docs/schema/scan-v1.schema.json';
export const schemaText = (): string => JSON.stringify(scanDocumentSchema, null, 2) + '\n';

if (process.argv[1]?.endsWith('gen-schema.ts')) {
  writeFileSync(SCHEMA_FILE, schemaText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
