import { resolve, dirname } from 'node:path';
import { resolveEngineConfig, type EngineConfig, type ExemptionSet } from '../core/engine-config.js';
import { KubePostureError, type Problem } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import type { Mode } from '../core/types.js';
import { ConfigInvalidError, configSourceOf, type FileConfig } from '../config/load-config.js';
import { loadLibrary } from '../loader/load-policies.js';

/** Everything evaluation needs, built from one configuration and frozen. */
export interface PolicySet {
  registry: Registry;
  engine: EngineConfig;
  fileConfig: FileConfig;
  /** Policies that failed to load and were skipped (only with `onPolicyLoadError: skip`). */
  skipped: Problem[];
}

export interface PolicySetOptions {
  /** Built-in library location; false to load none (tests of user directories). */
  builtinDir?: string | false;
  /** `--profile` and `--mode` override the file. */
  profile?: string;
  mode?: Mode;
  /** Relative policy directories are resolved against this (the config file's folder). */
  baseDir?: string;
  /** Exemptions of the composing command itself (the webhook's own namespace and service account). */
  ownExemptions?: ExemptionSet;
}

/**
 * Loads policies and resolves the configuration. Throws a KubePostureError listing every problem when
 * the result must not be used: a configuration problem always, a policy load problem unless the
 * configuration says `onPolicyLoadError: skip`.
 */
export async function buildPolicySet(fileConfig: FileConfig, options: PolicySetOptions = {}): Promise<PolicySet> {
  const userDirs = fileConfig.policyDirectories.map((d) => resolve(options.baseDir ?? process.cwd(), d));
  const { registry, problems: loadProblems } = await loadLibrary({ ...(options.builtinDir !== undefined ? { builtinDir: options.builtinDir } : {}), userDirs });
  if (loadProblems.length > 0 && fileConfig.onPolicyLoadError === 'fail') {
    throw new KubePostureError('KP_ERR_POLICY_LOAD', `${loadProblems.length} policy problem(s); set onPolicyLoadError: skip to load the others`, loadProblems);
  }
  const effective = { ...fileConfig, ...(options.profile ? { profile: options.profile } : {}), ...(options.mode ? { mode: options.mode } : {}) };
  const { config, problems } = resolveEngineConfig(effective, registry, options.ownExemptions ? { ownExemptions: options.ownExemptions } : {});
  if (!config) {
    const source = configSourceOf(fileConfig);
    // A problem about a key the file sets points at its line; one about a flag (--profile) has none in the file.
    const fromFlag = (path: string | undefined) => (path === 'profile' && options.profile !== undefined) || (path === 'mode' && options.mode !== undefined);
    const placed = problems.map((p) => (source !== undefined && p.file === undefined && p.path !== undefined && !fromFlag(p.path) ? { ...p, file: source.file, line: source.lineOf(p.path) } : p));
    throw new KubePostureError('KP_ERR_CONFIG_INVALID', `${problems.length} configuration problem(s)`, placed);
  }
  return { registry, engine: config, fileConfig: effective, skipped: loadProblems };
}

/**
 * Loads a configuration and builds a set from it, reporting every problem in one pass: when the file
 * breaks the schema, the rest of it is still checked against the library (unknown policy ids, profiles,
 * parameters), and all problems are thrown together.
 */
export async function policySetFromConfig(load: () => Promise<FileConfig>, build: (config: FileConfig) => Promise<PolicySet>): Promise<PolicySet> {
  let config: FileConfig;
  let invalid: ConfigInvalidError | undefined;
  try {
    config = await load();
  } catch (err) {
    if (!(err instanceof ConfigInvalidError) || err.partial === undefined) throw err;
    invalid = err;
    config = err.partial;
  }
  if (invalid === undefined) return build(config);
  let more: readonly Problem[] = [];
  try {
    await build(config);
  } catch (err) {
    if (!(err instanceof KubePostureError)) throw err;
    more = err.problems;
  }
  throw new KubePostureError(invalid.code, `${invalid.problems.length + more.length} configuration problem(s)`, [...invalid.problems, ...more]);
}

export function configBaseDir(configFile: string | undefined): string {
  return configFile ? dirname(resolve(configFile)) : process.cwd();
}
