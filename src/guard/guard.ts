import vm from 'node:vm';
import type { EnginePolicy } from '../core/engine-config.js';
import { directRunner, type PolicyRunner, type RunResult } from '../core/engine.js';
import { errorMessage } from '../core/errors.js';
import type { Violation } from '../core/types.js';

/**
 * A runner that stops a policy running past its time budget, endless loops included.
 *
 * node:vm's `timeout` terminates whatever JavaScript runs inside the call, including functions defined
 * outside the context, so the policy itself needs no changes. A guarded call costs a watchdog thread
 * (about 70 µs), so it is applied to policies from user directories; built-in policies are part of this
 * code base, reviewed and fuzzed, and run directly (set `guardBuiltins` to guard them too).
 */
export function guardedRunner(options: { timeoutMs: number; guardBuiltins?: boolean }): GuardedRunner {
  const context = vm.createContext({ __call: undefined as unknown });
  const script = new vm.Script('__call()', { filename: 'kube-posture-policy-guard' });
  const runner: GuardedRunner = {
    run(policy: EnginePolicy, call: () => Violation[]): RunResult {
      return runner.runWithin(policy, call, options.timeoutMs);
    },
    runWithin(policy: EnginePolicy, call: () => Violation[], budgetMs: number): RunResult {
      if (policy.registered.source.origin === 'builtin' && !options.guardBuiltins) return directRunner.run(policy, call);
      // vm wants a positive integer; a budget never exceeds the configured one.
      const timeout = Math.max(1, Math.min(options.timeoutMs, Math.floor(budgetMs)));
      context.__call = call;
      try {
        const violations = script.runInContext(context, { timeout, breakOnSigint: false }) as unknown;
        if (!Array.isArray(violations)) return { ok: false, reason: 'error', error: 'check did not return an array' };
        return { ok: true, violations: violations as Violation[] };
      } catch (err) {
        if ((err as { code?: string })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { ok: false, reason: 'timeout', error: `exceeded ${timeout} ms` };
        return { ok: false, reason: 'error', error: errorMessage(err) };
      } finally {
        context.__call = undefined;
      }
    },
  };
  return runner;
}

/** A guarded runner that can also run one call within a smaller budget (a request's remaining deadline). */
export interface GuardedRunner extends PolicyRunner {
  runWithin(policy: EnginePolicy, call: () => Violation[], budgetMs: number): RunResult;
}
