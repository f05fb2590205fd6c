/**
 * Reading saved scans back (`kube-posture report`): JSON parsed and validated against the published
 * schema. A file that is not a saved scan is refused with its name and the first problems, never drawn.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { addAjvFormats, newAjv } from '../core/ajv-setup.js';
import { scanDocumentSchema } from './scan-document-schema.js';
import type { ScanDocument } from './scan-document.js';

// Compiled when a saved scan is first read: a scan without --since never pays for it (start-up time).
let compiled: ValidateFunction<ScanDocument> | undefined;
function validator(): ValidateFunction<ScanDocument> {
  if (compiled === undefined) {
    const ajv = addAjvFormats(newAjv({ allErrors: true, strict: false }));
    compiled = ajv.compile<ScanDocument>(scanDocumentSchema);
  }
  return compiled;
}

export class ScanDocumentError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

/** Parses and validates one saved scan; throws `ScanDocumentError` naming `file`. */
export function parseScanDocument(text: string, file: string): ScanDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ScanDocumentError(file, `not JSON: ${(err as Error).message}`);
  }
  const validate = validator();
  if (!validate(value)) throw new ScanDocumentError(file, `not a saved kube-posture scan (${scanDocumentSchema.title}): ${describeErrors(validate.errors ?? [])}`);
  return value;
}

/** True when `value` is a saved scan; for tests of what the commands write. */
export function validateScanDocument(value: unknown): { ok: boolean; errors: string } {
  const validate = validator();
  const ok = validate(value);
  return { ok, errors: ok ? '' : describeErrors(validate.errors ?? []) };
}

function describeErrors(errors: ErrorObject[]): string {
  const shown = errors.slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'const' || e.keyword === 'enum' ? ` (${JSON.stringify(e.params)})` : ''}`);
  return shown.join('; ') + (errors.length > 3 ? `; and ${errors.length - 3} more` : '');
}
