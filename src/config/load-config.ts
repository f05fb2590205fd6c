import { readFile } from 'node:fs/promises';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { readSingleYaml } from '../yaml/read-yaml.js';
import type { PolicyConfig } from '../core/engine-config.js';
import { errorMessage, KubePostureError, type Problem } from '../core/errors.js';
import type { AlertsConfig } from './alerts-schema.js';
import { configSchema } from './schema.js';
import { CONFIG_AJV_OPTIONS, newAjv, schemaKey } from '../core/ajv-setup.js';
import { validators as configValidators } from '../generated/config-validators.js';

export interface FileConfig extends PolicyConfig {
  policyDirectories: string[];
  onPolicyLoadError: 'fail' | 'skip';
  /** Absent when the file has no `alerts:` section. */
  alerts?: AlertsConfig;
  /** Absent when the file has no `vulnerabilities:` section. */
  vulnerabilities?: { webhookCache?: { enabled?: boolean; maxImages?: number } };
}

// Compiled ahead (src/generated/config-validators.ts); compiled here only when that file is stale.
let compiled: ValidateFunction | undefined;
const validator = (): ValidateFunction => (compiled ??= (configValidators.get(schemaKey(configSchema)) as ValidateFunction | undefined) ?? newAjv(CONFIG_AJV_OPTIONS).compile(configSchema));

/** Parses and validates configuration text. Throws a KubePostureError listing every problem with its line. */
export function parseConfig(text: string, file = '<config>'): FileConfig {
  // The same YAML reader as manifests (src/yaml/read-yaml.ts): one meaning of YAML in the whole tool.
  const { document: doc, problems: parseProblems } = readSingleYaml(text, 'a configuration file');
  if (parseProblems.length > 0) {
    const problems: Problem[] = parseProblems.map((p) => ({ code: 'KP_ERR_CONFIG_PARSE', message: p.message, file, ...(p.line !== undefined ? { line: p.line } : {}) }));
    throw new KubePostureError('KP_ERR_CONFIG_PARSE', `${file}: not valid YAML`, problems);
  }
  const lineOf = (path: (string | number)[]): number => doc?.lineOf(path) ?? 1;
  const raw: unknown = doc?.value ?? {};
  const data = structuredClone(raw);
  const validate = validator();
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => toProblem(e, lineOf, file));
    const partial = withoutInvalid(raw, validate.errors ?? []);
    if (partial !== undefined) sources.set(partial, { file, lineOf: (path) => lineOf(path.split('.')) });
    throw new ConfigInvalidError(`${file}: ${problems.length} configuration problem(s)`, problems, partial);
  }
  const config = data as unknown as FileConfig;
  sources.set(config, { file, lineOf: (path) => lineOf(path.split('.')) });
  return config;
}

/**
 * Where a parsed configuration came from, so that problems found later (an unknown policy id or
 * profile, parameters a policy rejects; they need the library) still name the file and line.
 */
export interface ConfigSource {
  file: string;
  /** The line of a dotted key path (`policies.my-policy.parameters`), or of its nearest existing parent. */
  lineOf(path: string): number;
}

const sources = new WeakMap<object, ConfigSource>();

export function configSourceOf(config: object): ConfigSource | undefined {
  return sources.get(config);
}

/** A copy of a configuration (with overrides) keeps the source of the one it was made from. */
export function keepConfigSource<T extends object>(copy: T, original: object): T {
  const source = sources.get(original);
  if (source !== undefined) sources.set(copy, source);
  return copy;
}

/**
 * A configuration that does not satisfy the schema. `partial` is the same configuration without the
 * invalid keys, when that is valid: the problems only the policy library can find (unknown policy
 * ids and profiles, rejected parameters) are then looked for too, so that one run lists them all.
 */
export class ConfigInvalidError extends KubePostureError {
  constructor(message: string, problems: Problem[], readonly partial?: FileConfig) {
    super('KP_ERR_CONFIG_INVALID', message, problems);
  }
}

/** `raw` with every key the schema rejected deleted (a few rounds: deleting can reveal nothing new). */
function withoutInvalid(raw: unknown, errors: readonly ErrorObject[]): FileConfig | undefined {
  const data = structuredClone(raw);
  let current = errors;
  for (let round = 0; round < 5; round++) {
    for (const e of current) {
      const segments = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
      if (e.keyword === 'additionalProperties') segments.push(String(e.params.additionalProperty));
      const key = segments.pop();
      if (key === undefined) return undefined;
      let parent: unknown = data;
      for (const seg of segments) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[seg] : undefined;
      if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[key];
    }
    if (validator()(data)) return data as unknown as FileConfig;
    current = validator().errors ?? [];
  }
  return undefined;
}

export async function loadConfigFile(file: string): Promise<FileConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new KubePostureError('KP_ERR_CONFIG_READ', `cannot read configuration ${file}: ${errorMessage(err)}`, [{ code: 'KP_ERR_CONFIG_READ', message: errorMessage(err), file }]);
  }
  return parseConfig(text, file);
}

/** The default configuration: what `kube-posture serve` runs without a file. */
export function defaultConfig(): FileConfig {
  return parseConfig('{}', '<defaults>');
}

function toProblem(e: ErrorObject, lineOf: (path: (string | number)[]) => number, file: string): Problem {
  const segments = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    const key = String(e.params.additionalProperty);
    segments.push(key);
    message = `unknown key ${JSON.stringify(key)}`;
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  // Unknown keys point at the key itself: it is the deepest node that exists along the path.
  const line = lineOf(segments.map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s)));
  return { code: 'KP_ERR_CONFIG_INVALID', message, file, path: segments.join('.') || '(root)', line };
}
