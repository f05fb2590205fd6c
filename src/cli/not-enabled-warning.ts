import { notEnabledNotice } from '../policy-set/not-enabled.js';
import type { PolicySet } from '../policy-set/policy-set.js';

/** `scan` and `audit`: user policies that loaded but judge nothing are said on standard error, whatever `-o` is. */
export function warnNotEnabled(set: PolicySet): void {
  const notice = notEnabledNotice(set);
  if (notice !== undefined) process.stderr.write(`warning: ${notice}\n`);
}
