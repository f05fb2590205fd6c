/**
 * Reloads the configuration file and the user policy directories when they change. A reload builds
 * a complete new policy set; only when that succeeds is it swapped in. An invalid configuration or a
 * policy that fails to load is logged with every problem and the old set keeps serving.
 */
import type { Logger } from 'pino';
import { errorMessage, formatProblem, KubePostureError, type Problem } from '../core/errors.js';
import { watchTargets, type WatchHandle } from '../process/file-watch.js';
import type { PolicySet } from './policy-set.js';
import type { ActivePolicySet, PolicySetHolder } from './policy-holder.js';
import { notEnabledNotice, userPoliciesNotEnabled } from './not-enabled.js';

export interface ReloadResult {
  ok: boolean;
  active?: ActivePolicySet;
  problems?: string[];
  /** The same problems, structured (file, line, code), for a caller that prints them itself. */
  details?: Problem[];
}

/** Builds a set and swaps it in, or reports why not. Never throws. */
export async function reloadPolicies(load: () => Promise<PolicySet>, holder: PolicySetHolder, logger: Logger, trigger: string): Promise<ReloadResult> {
  let set: PolicySet;
  try {
    set = await load();
  } catch (err) {
    const details: Problem[] = err instanceof KubePostureError && err.problems.length > 0 ? [...err.problems] : [{ code: err instanceof KubePostureError ? err.code : 'KP_ERR_CONFIG_INVALID', message: errorMessage(err) }];
    const problems = details.map(formatProblem);
    const previous = holder.current();
    // With nothing loaded yet there is no previous configuration to keep: the caller refuses to start.
    if (previous === undefined) logger.error({ trigger, problems }, 'configuration rejected; nothing is serving');
    else logger.error({ trigger, problems, generation: previous.generation }, 'configuration reload rejected; the previous configuration keeps serving');
    return { ok: false, problems, details };
  }
  const active = holder.swap(set);
  for (const p of set.skipped) logger.warn({ problem: formatProblem(p) }, 'policy skipped (onPolicyLoadError: skip)');
  const notEnabled = notEnabledNotice(set);
  if (notEnabled !== undefined) logger.warn({ trigger, policies: userPoliciesNotEnabled(set) }, notEnabled);
  logger.info({ trigger, generation: active.generation, policies: set.engine.enabled.length, profile: set.fileConfig.profile, mode: set.engine.mode }, 'configuration loaded');
  return { ok: true, active };
}

/**
 * Watches the configuration file and the policy directories. The directories are those of the
 * active set (absolute paths in `fileConfig.policyDirectories`): when a reload changes the list, the
 * watch follows it.
 */
export function startConfigReloader(options: {
  configFile?: string;
  load: () => Promise<PolicySet>;
  holder: PolicySetHolder;
  logger: Logger;
  onResult?: (result: ReloadResult, trigger: string) => void;
  debounceMs?: number;
  intervalMs?: number;
}): WatchHandle {
  const dirsNow = (): string[] => [...(options.holder.current()?.set.fileConfig.policyDirectories ?? [])];
  let dirs = dirsNow();
  let handle: WatchHandle | undefined;
  let closed = false;
  const start = (): void => {
    handle = watchTargets(
      { files: options.configFile ? [options.configFile] : [], dirs },
      async (trigger) => {
        const result = await reloadPolicies(options.load, options.holder, options.logger, trigger);
        options.onResult?.(result, trigger);
        const next = dirsNow();
        if (!closed && next.join('\0') !== dirs.join('\0')) {
          dirs = next;
          handle?.close();
          start();
        }
      },
      { logger: options.logger, ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}), ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}) },
    );
  };
  start();
  return {
    close() {
      closed = true;
      handle?.close();
    },
  };
}
