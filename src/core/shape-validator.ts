/** Validators of a policy module's shape and a schema-policy document: compiled ahead, else now. */
import type { Ajv, ValidateFunction } from 'ajv';
import { validators } from '../generated/shape-validators.js';
import { newAjv, schemaKey, SHAPE_AJV_OPTIONS } from './ajv-setup.js';

let ajv: Ajv | undefined;
export function shapeValidator(schema: object): ValidateFunction {
  return (validators.get(schemaKey(schema)) as ValidateFunction | undefined) ?? (ajv ??= newAjv(SHAPE_AJV_OPTIONS)).compile(schema);
}
