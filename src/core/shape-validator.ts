/** Validators of a policy module's shape and a schema-policy document: compiled ahead, else now. */
import { Ajv, type ValidateFunction } from 'ajv';
import { validators } from '../generated/shape-validators.js';
import { schemaKey, SHAPE_AJV_OPTIONS } from './ajv-setup.js';

let ajv: Ajv | undefined;
export function shapeValidator(schema: object): ValidateFunction {
  return (validators.get(schemaKey(schema)) as ValidateFunction | undefined) ?? (ajv ??= new Ajv(SHAPE_AJV_OPTIONS)).compile(schema);
}
