/**
 * Validators of policies' parameter schemas, compiled once per schema object and only when
 * something is to be checked against them. Compiling all 83 built-in parameter schemas twice (at
 * registration and again per configuration) was a fifth of a one-file scan's CPU.
 */
import type { Ajv, ValidateFunction } from 'ajv';
import { newAjv } from './ajv-setup.js';

let paramsAjv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** The validator of a parameter schema (throws when the schema does not compile). */
export function paramsValidator(schema: Record<string, unknown>): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = (paramsAjv ??= newAjv({ allErrors: true, strict: false })).compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** The text of a validator's last errors. */
export function paramsErrorsText(validate: ValidateFunction): string {
  // A validator exists only once the instance that compiled it does.
  return (paramsAjv ??= newAjv({ allErrors: true, strict: false })).errorsText(validate.errors);
}
