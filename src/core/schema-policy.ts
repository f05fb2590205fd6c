import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { validators as precompiledPolicies } from '../generated/policy-validators.js';
import { validators as precompiledQuick } from '../generated/quick-policy-validators.js';
import { addPolicyKeywords, addQuickKeywords, newAjv, POLICY_AJV_OPTIONS, QUICK_POLICY_AJV_OPTIONS, schemaKey } from './ajv-setup.js';
import type { KubeObject } from './k8s.js';
import { formatPath, fromJsonPointer, parsePath, type PathSegment } from './path.js';
import { isRecord } from './safe.js';
import { containersOf, type PodSubject } from './subjects/pod.js';
import type { CheckContext, FixOperation, ObjectPolicy, PodPolicy, Policy, PolicyMetadata, Violation, Operation } from './types.js';

/**
 * Declarative policies: metadata, what they match, and a JSON Schema that compliant objects satisfy.
 *
 *   target: object | pod | container   (default object; pod = the pod or pod template, container = each container)
 *   match: { kinds: [Service], operations: [CREATE, UPDATE] }     (kinds only for target object)
 *   schema: { ... }          JSON Schema; `{ $param: name }` anywhere is replaced by that parameter's value
 *   message: text            used when the failing schema part has no `errorMessage` (ajv-errors);
 *                            `{container}`, `{path}` and `{value}` are filled in.
 */
export interface SchemaPolicyDocument extends PolicyMetadata {
  target?: 'object' | 'pod' | 'container';
  match?: { kinds?: string[]; operations?: Operation[]; subResources?: string[] };
  schema: Record<string, unknown>;
  message: string;
  /**
   * A declarative fix: edits applied for each finding, with paths (`securityContext.readOnlyRootFilesystem`)
   * from the container the finding is in (targets `pod` and `container`) or from the object (target
   * `object`); values may hold `{ $param: name }`. See FixOperation.
   */
  fix?: { op: FixOperation['op']; path: string; value?: unknown }[];
}

// One Ajv instance per process, with POLICY_AJV_OPTIONS (no policy can turn on data-mutating behaviour).
let sharedAjv: Ajv | undefined;
function ajv(): Ajv {
  sharedAjv ??= addPolicyKeywords(newAjv(POLICY_AJV_OPTIONS));
  return sharedAjv;
}

/**
 * The full validator of a schema: the one compiled ahead (scripts/gen-validators.ts) when this exact
 * schema is among the built-in ones at their default parameters, else compiled now.
 */
export function policyValidator(schema: Record<string, unknown>, key = schemaKey(schema)): ValidateFunction {
  return (precompiledPolicies.get(key) as ValidateFunction | undefined) ?? ajv().compile(schema);
}

// The quick check: the same schemas compiled to stop at the first failure and to build no error
// objects or messages (QUICK_POLICY_AJV_OPTIONS). A review that passes costs one quick validation;
// only a failing one pays for the full validator's error path.
let quickAjvInstance: Ajv | undefined;
function quickAjv(): Ajv {
  quickAjvInstance ??= addQuickKeywords(newAjv(QUICK_POLICY_AJV_OPTIONS));
  return quickAjvInstance;
}

/** The quick validator of a schema compiled ahead (the built-in schema policies at their defaults), if any. */
export function precompiledQuickValidator(key: string): ValidateFunction | undefined {
  return precompiledQuick.get(key) as ValidateFunction | undefined;
}

/** Replaces `{ $param: name }` nodes by the parameter's value. Unknown names are an error. */
export function substituteParams(node: unknown, params: Record<string, unknown>): unknown {
  if (Array.isArray(node)) return node.map((n) => substituteParams(n, params));
  if (!isRecord(node)) return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === '$param') {
    const name = node.$param;
    if (typeof name !== 'string' || !(name in params)) throw new Error(`schema refers to unknown parameter ${JSON.stringify(name)}`);
    return params[name];
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = substituteParams(node[k], params);
  return out;
}

const COMBINATORS = new Set(['anyOf', 'oneOf', 'if', 'not']);

/**
 * Keeps the errors a person needs: a failed anyOf/oneOf is reported once at its own path rather than
 * once per branch it tried, and repeated errors at one path collapse to one.
 */
export function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  // One error (a failing container usually has one): nothing to collapse, only what is never reported.
  if (errors.length === 1) {
    const e = errors[0]!;
    return e.keyword === 'if' || (e.keyword === 'errorMessage' && Array.isArray(e.params.errors) && e.params.errors.length === 0) ? [] : [e];
  }
  const combinatorPaths = errors.filter((e) => COMBINATORS.has(e.keyword)).map((e) => e.schemaPath + '/');
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue; // the branch error that follows says what failed
    // ajv-errors with singleError can emit an empty errorMessage error once the real one was reported.
    if (e.keyword === 'errorMessage' && Array.isArray(e.params.errors) && e.params.errors.length === 0) continue;
    if (combinatorPaths.some((p) => e.schemaPath.startsWith(p) && e.keyword !== 'errorMessage')) continue;
    const key = e.instancePath + '\u0000' + missingProperty(e);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

function missingProperty(e: ErrorObject): string {
  if (e.keyword === 'required' && typeof e.params.missingProperty === 'string') return e.params.missingProperty;
  // An errorMessage replacing exactly one `required` error points at the missing property too.
  const inner = e.keyword === 'errorMessage' && Array.isArray(e.params.errors) ? (e.params.errors as ErrorObject[]) : [];
  return inner.length === 1 && inner[0] ? missingProperty(inner[0]) : '';
}

/**
 * Path of the offending field (for `required`, the missing property itself) and the value found there.
 * One walk down the data: ajv pointers do not say whether `0` is an index or a key, so the data is asked.
 */
/** Parsed instance pointers kept per policy (they come from the data, so they are bounded). */
const POINTER_CACHE_MAX = 512;

function errorLocation(e: ErrorObject, data: unknown, pointers: Map<string, readonly PathSegment[]>): { path: PathSegment[]; value: unknown } {
  // The same pointers come back review after review (`/env/1/valueFrom`): each is parsed once.
  let parsed = pointers.get(e.instancePath);
  if (parsed === undefined) {
    parsed = fromJsonPointer(e.instancePath);
    if (pointers.size < POINTER_CACHE_MAX) pointers.set(e.instancePath, parsed);
  }
  const path = parsed.slice();
  let cur: unknown = data;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (Array.isArray(cur)) cur = typeof seg === 'number' ? cur[seg] : undefined;
    else {
      if (typeof seg === 'number') path[i] = String(seg);
      cur = isRecord(cur) ? cur[path[i] as string] : undefined;
    }
  }
  const missing = missingProperty(e);
  if (missing !== '') {
    path.push(missing);
    cur = isRecord(cur) ? cur[missing] : undefined;
  }
  if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') {
    path.push(e.params.additionalProperty);
    cur = isRecord(cur) ? cur[e.params.additionalProperty] : undefined;
  }
  return { path, value: cur };
}

function displayValue(value: unknown): string {
  if (value === undefined) return '(unset)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? '(list)' : '(object)';
}

/** A person-readable explanation of one schema failure, used when the policy gives no message. */
function explain(e: ErrorObject): string {
  switch (e.keyword) {
    case 'const': return `must be ${JSON.stringify(e.params.allowedValue)}`;
    case 'enum': return `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required': return 'is required';
    case 'type': return `must be of type ${String(e.params.type)}`;
    case 'not': return 'is not allowed';
    case 'additionalProperties': return 'is not allowed';
    case 'pattern': return `must match ${String(e.params.pattern)}`;
    case 'minItems': return `must have at least ${String(e.params.limit)} item(s)`;
    case 'maxItems': return `must have at most ${String(e.params.limit)} item(s)`;
    case 'minimum': return `must be at least ${String(e.params.limit)}`;
    case 'maximum': return `must be at most ${String(e.params.limit)}`;
    default: return 'does not satisfy the policy';
  }
}

/**
 * A message template cut once into literal text and the variables it names (`{container}`, `{path}`,
 * `{value}`): filling it is a few concatenations, where a `replace` with a callback per finding was
 * half of a failing container's error path. Templates are the policy's `message` and its schema's
 * `errorMessage`s, a handful per policy; an errorMessage that ajv-errors interpolated from the data
 * (`${/pointer}`) can make more, so at most TEMPLATE_CACHE_MAX are kept and the rest are cut each time.
 */
type TemplateVar = 'container' | 'path' | 'value';
interface Template { parts: readonly string[]; vars: readonly TemplateVar[] }
const TEMPLATE_CACHE_MAX = 256;
const TEMPLATE_VAR = /\{(container|path|value)\}/g;

export function compileTemplate(template: string): Template {
  const parts: string[] = [];
  const vars: TemplateVar[] = [];
  let at = 0;
  for (const m of template.matchAll(TEMPLATE_VAR)) {
    parts.push(template.slice(at, m.index));
    vars.push(m[1] as TemplateVar);
    at = m.index + m[0].length;
  }
  parts.push(template.slice(at));
  return { parts, vars };
}

/** Fills `{container}`, `{path}` and `{value}`; each is computed only when the template names it. */
function fill(templates: Map<string, Template>, template: string, container: string, rel: readonly PathSegment[], value: unknown): string {
  let t = templates.get(template);
  if (t === undefined) {
    t = compileTemplate(template);
    if (templates.size < TEMPLATE_CACHE_MAX) templates.set(template, t);
  }
  const { parts, vars } = t;
  if (vars.length === 0) return template;
  let out = parts[0]!;
  for (let i = 0; i < vars.length; i++) {
    const k = vars[i];
    out += (k === 'container' ? container : k === 'path' ? formatPath(rel) : displayValue(value)) + parts[i + 1]!;
  }
  return out;
}

/**
 * A parameter set's validators. The quick one is there from the start when it was compiled ahead (the
 * built-in schema policies at their default parameters); otherwise it is compiled on the
 * QUICK_AFTER_USES-th check: compiling costs milliseconds, a full validation of passing data
 * microseconds, so a one-file scan (a check or two per policy) never pays for it and a webhook or a
 * large scan soon has it.
 */
interface Validators {
  readonly schema: Record<string, unknown>;
  readonly full: ValidateFunction;
  quick: ValidateFunction | undefined;
  uses: number;
}
const QUICK_AFTER_USES = 32;

// Shared by every passing call; frozen so that no caller can fill it for the others.
const NONE: Violation[] = Object.freeze([]) as unknown as Violation[];

/** Builds a Policy from a declarative document. Throws with a readable reason when it cannot. */
export function compileSchemaPolicy(doc: SchemaPolicyDocument): Policy {
  const target = doc.target ?? 'object';
  // Per parameter set: the full validator, and the quick check once the set has been used often enough
  // to repay compiling it. Found by the parameter object (one per configuration), then by the schema
  // the parameters make: the load-time check and a configuration with the default values compile once.
  const byParams = new WeakMap<object, Validators>();
  const bySchema = new Map<string, Validators>();
  const noParams = {};

  const validatorsFor = (params: Record<string, unknown> | undefined): Validators => {
    const key = params ?? noParams;
    const cached = byParams.get(key);
    if (cached !== undefined) return cached;
    const schema = substituteParams(doc.schema, params ?? {}) as Record<string, unknown>;
    const text = JSON.stringify(schema);
    let found = bySchema.get(text);
    if (found === undefined) {
      const key = schemaKey(schema);
      found = { schema, full: policyValidator(schema, key), quick: precompiledQuickValidator(key), uses: 0 };
      bySchema.set(text, found);
    }
    byParams.set(key, found);
    return found;
  };

  // This policy's message templates, cut once (see compileTemplate).
  const templates = new Map<string, Template>();
  const pointers = new Map<string, readonly PathSegment[]>();

  const violationsOf = (data: unknown, base: PathSegment[], containerName: string | ((rel: PathSegment[]) => string), params: Record<string, unknown> | undefined): Violation[] => {
    const v = validatorsFor(params);
    if (v.quick === undefined && ++v.uses >= QUICK_AFTER_USES) v.quick = quickAjv().compile(v.schema);
    if (v.quick !== undefined && v.quick(data)) return NONE;
    const validate = v.full;
    // The full validator decides (it reports every error): the quick one only lets passing data skip it.
    if (validate(data)) return NONE;
    const errors = relevantErrors(validate.errors ?? []);
    const out: Violation[] = [];
    for (let i = 0; i < errors.length; i++) {
      const e = errors[i]!;
      const { path: rel, value } = errorLocation(e, data, pointers);
      const container = typeof containerName === 'string' ? containerName : containerName(rel);
      const message = e.keyword === 'errorMessage' ? fill(templates, e.message ?? doc.message, container, rel, value) : doc.message !== '' ? fill(templates, doc.message, container, rel, value) : `${formatPath(rel)} ${explain(e)}`;
      const path = base.length === 0 ? rel : base.concat(rel);
      out.push(value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? { path, message, value } : { path, message });
    }
    return out;
  };

  const { schema: _schema, message: _message, target: _target, match, fix: fixSpec, ...metaFields } = doc;
  const fixOps = fixSpec?.map((f) => ({ ...f, parsed: parsePath(f.path) }));
  /** The declared edits, from `base`, with parameters filled in. */
  const edits = (base: readonly PathSegment[], params: Record<string, unknown>): FixOperation[] =>
    (fixOps ?? []).map((f) => {
      const path = [...base, ...f.parsed];
      return f.op === 'remove' ? { op: 'remove', path } : { op: f.op, path, value: substituteParams(f.value, params) } as FixOperation;
    });
  // Compile now so that a schema that does not compile fails at load, not on the first request;
  // `prepare` compiles again for each configured parameter set, once per configuration.
  validatorsFor(defaultsOf(doc.parameters));
  const meta = { ...metaFields, prepare: (params: Record<string, unknown>) => void validatorsFor(params) };

  if (target === 'object') {
    const policy: ObjectPolicy = {
      ...meta,
      target: 'object',
      match: { kinds: match?.kinds ?? [], ...(match?.operations ? { operations: match.operations } : {}), ...(match?.subResources ? { subResources: match.subResources } : {}) },
      check: (object: KubeObject, ctx: CheckContext) => violationsOf(object, [], '', ctx.params),
      ...(fixOps ? { fix: (_object: KubeObject, _v: Violation, ctx: CheckContext) => edits([], ctx.params) } : {}),
    };
    return policy;
  }
  const podMatch = match ? { ...(match.operations ? { operations: match.operations } : {}), ...(match.subResources ? { subResources: match.subResources } : {}) } : undefined;
  const policy: PodPolicy = {
    ...meta,
    target: 'pod',
    ...(podMatch ? { match: podMatch } : {}),
    check: (pod: PodSubject, ctx: CheckContext) => {
      if (target === 'pod') return violationsOf({ metadata: pod.metadata, spec: pod.spec }, [], containerNamer(pod), ctx.params);
      // A loop, not flatMap: flatMap was a third of this check's cost on a three-container pod.
      const out: Violation[] = [];
      for (const c of containersOf(pod.spec)) {
        const found = violationsOf(c.container, c.path, c.label, ctx.params);
        for (let i = 0; i < found.length; i++) out.push(found[i]!);
      }
      return out;
    },
    // Edits are made in the container the finding points into; a finding outside one is not fixed.
    ...(fixOps ? {
      fix: (pod: PodSubject, v: Violation, ctx: CheckContext) => {
        const c = containersOf(pod.spec).find((x) => x.path.every((seg, i) => v.path[i] === seg));
        return c === undefined ? [] : edits(c.path, ctx.params);
      },
    } : {}),
  };
  return policy;
}

/**
 * Names the container a pod-level path points into (`spec.containers[1]...`), as containersOf labels
 * it, so that a pod-target policy's `{container}` names it; '' when the path is not in one. The index
 * is built on the first error only, once per check: a linear search per error was quadratic, and made
 * one review of a 12,136-container pod take seconds of CPU (past its deadline on a busy machine).
 */
function containerNamer(pod: PodSubject): (rel: readonly PathSegment[]) => string {
  let labels: Map<string, string> | undefined;
  return (rel) => {
    if (rel[0] !== 'spec' || typeof rel[2] !== 'number') return '';
    labels ??= new Map(containersOf(pod.spec).map((c) => [`${c.type}[${c.index}]`, c.label]));
    return labels.get(`${String(rel[1])}[${rel[2]}]`) ?? '';
  };
}

/** The defaults declared by a parameters schema (top-level properties only). */
export function defaultsOf(parameters: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = isRecord(parameters?.properties) ? parameters.properties : {};
  for (const [name, prop] of Object.entries(props)) {
    if (isRecord(prop) && 'default' in prop) out[name] = structuredClone(prop.default);
  }
  return out;
}

export { ajv as sharedAjv };
