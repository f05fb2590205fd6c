import type { EnginePolicy } from '../core/engine-config.js';
import type { PolicyRunner, RunResult } from '../core/engine.js';
import type { Violation } from '../core/types.js';
import type { GuardedRunner } from './guard.js';

/**
 * Bounds every policy run of one request by the request's deadline (the apiserver's `?timeout=`):
 * a guarded call gets at most the time left, and once the deadline has passed the remaining
 * policies are not started (each becomes a `timeout` outcome, so the answer says what was not checked).
 */
export function deadlineRunner(base: GuardedRunner, deadlineMs: number, now: () => number): PolicyRunner {
  return {
    run(policy: EnginePolicy, call: () => Violation[]): RunResult {
      const left = deadlineMs - now();
      if (left <= 0) return { ok: false, reason: 'timeout', error: 'request deadline passed before the policy ran' };
      return base.runWithin(policy, call, left);
    },
  };
}
