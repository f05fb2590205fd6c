/**
 * The policy set of a long-running process, kept current: built from a fresh read of the
 * configuration file at start and on every change, swapped into a holder only when it is valid.
 * `serve` and the coming `controller` both run on it.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { defaultConfig, keepConfigSource, loadConfigFile } from '../config/load-config.js';
import { KubePostureError } from '../core/errors.js';
import type { ExemptionSet } from '../core/engine-config.js';
import type { Mode } from '../core/types.js';
import type { WatchHandle } from '../process/file-watch.js';
import { reloadPolicies, startConfigReloader, type ReloadResult } from './config-reloader.js';
import { PolicySetHolder } from './policy-holder.js';
import { buildPolicySet, configBaseDir, policySetFromConfig, type PolicySet } from './policy-set.js';

export interface PolicySourceOptions {
  configFile?: string;
  /** Policy directories from flags, relative to the working directory. */
  policyDirs: readonly string[];
  profile?: string;
  mode?: Mode;
  /** The process's own exemptions (its namespace and service account), kept across reloads. */
  ownExemptions?: ExemptionSet;
  logger: Logger;
  /** Called with every set that was swapped in (metrics). */
  onLoaded?: (set: PolicySet) => void;
}

export interface PolicySource {
  holder: PolicySetHolder;
  /** Starts watching the configuration file and policy directories; close the handle to stop. */
  watch(options: { intervalMs: number; onResult?: (result: ReloadResult, trigger: string) => void }): WatchHandle;
}

/**
 * Loads the first set. Throws (with every problem) when it is unusable: a process that starts
 * without policies would only fail.
 */
export async function openPolicySource(options: PolicySourceOptions): Promise<PolicySource> {
  const holder = new PolicySetHolder();
  const cliDirs = options.policyDirs.map((d) => resolve(d));
  const configFile = options.configFile ? resolve(options.configFile) : undefined;
  // Policy directories are made absolute: the file's relative to its own folder, the flags' to the working directory.
  const load = (): Promise<PolicySet> => policySetFromConfig(
    () => (configFile ? loadConfigFile(configFile) : Promise.resolve(defaultConfig())),
    async (fc) => {
      const base = configBaseDir(configFile);
      const dirs = [...new Set([...fc.policyDirectories.map((d) => resolve(base, d)), ...cliDirs])];
      const set = await buildPolicySet(keepConfigSource({ ...fc, policyDirectories: dirs }, fc), {
        ...(options.profile ? { profile: options.profile } : {}),
        ...(options.mode ? { mode: options.mode } : {}),
        ...(options.ownExemptions ? { ownExemptions: options.ownExemptions } : {}),
        baseDir: base,
      });
      options.onLoaded?.(set);
      return set;
    },
  );
  const first = await reloadPolicies(load, holder, options.logger, 'start');
  if (!first.ok) throw new KubePostureError('KP_ERR_CONFIG_INVALID', 'the configuration or a policy could not be loaded', first.details ?? []);
  return {
    holder,
    watch: ({ intervalMs, onResult }) => startConfigReloader({ ...(configFile ? { configFile } : {}), load, holder, logger: options.logger, intervalMs, ...(onResult ? { onResult } : {}) }),
  };
}
