/**
 * The Ajv instances' options, in one place because two things must agree on them: the code that
 * compiles schemas at run time and scripts/gen-validators.ts, which compiles the fixed schemas (the
 * configuration, the policy shapes, the built-in schema policies at their default parameters) once,
 * at development time, into src/generated/. Start-up then pays for no code generation: a one-file
 * scan spent 140 ms of its 0.45 s compiling schemas that never change.
 */
import type { Ajv, Options } from 'ajv';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/*
 * Ajv itself (its compiler, ajv-formats and ajv-errors: about 70 modules, 25-30 ms to load) is loaded
 * on the first compile, not at import: the precompiled validators (src/generated) need only Ajv's small
 * runtime helpers, so a scan whose schemas were all compiled ahead never loads the compiler. Ajv is a
 * CommonJS package, so it can be required synchronously where a validator is first asked for.
 */
const requireCjs = createRequire(import.meta.url);

/** A new Ajv instance (the compiler is loaded on the first call). */
export function newAjv(options: Options): Ajv {
  const { Ajv: AjvClass } = requireCjs('ajv') as typeof import('ajv');
  return new AjvClass(options);
}

/** ajv-formats' formats on an instance. */
export function addAjvFormats(ajv: Ajv): Ajv {
  (requireCjs('ajv-formats') as typeof import('ajv-formats')).default(ajv);
  return ajv;
}

// Policy schemas: options fixed here so no policy can turn on data-mutating behaviour (useDefaults,
// coerceTypes, removeAdditional) or $data.
export const POLICY_AJV_OPTIONS: Options = { allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false, allowUnionTypes: true, $data: false, useDefaults: false, coerceTypes: false, removeAdditional: false };

/** The formats and `errorMessage` (ajv-errors) that policy schemas may use. */
export function addPolicyKeywords(ajv: Ajv): Ajv {
  addAjvFormats(ajv);
  (requireCjs('ajv-errors') as typeof import('ajv-errors')).default(ajv, { singleError: true });
  return ajv;
}

/**
 * The quick check of a policy schema: stop at the first failure and build no error objects or
 * messages. `errorMessage` (ajv-errors) only rewrites errors and never changes validity, so for this
 * instance it is an annotation keyword. See `schema-policy.ts` (violationsOf).
 */
export const QUICK_POLICY_AJV_OPTIONS: Options = { ...POLICY_AJV_OPTIONS, validateSchema: false, allErrors: false, messages: false };

/** The formats, and `errorMessage` as an annotation, on a quick-check instance. */
export function addQuickKeywords(ajv: Ajv): Ajv {
  addAjvFormats(ajv);
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: ['string', 'object'] });
  return ajv;
}

// useDefaults is used here, on our own configuration, never on objects under evaluation.
export const CONFIG_AJV_OPTIONS: Options = { allErrors: true, useDefaults: true, strict: true, strictTypes: false };

/** A policy module's shape and a schema-policy document. */
export const SHAPE_AJV_OPTIONS: Options = { allErrors: true, strict: false };

/** What finds a schema's precompiled validator: a digest of its JSON text. */
export function schemaKey(schema: unknown): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 32);
}
