/** Option value parsers shared by the commands, so that every flag fails alike (exit 2, a clear message). */
import { InvalidArgumentError } from 'commander';

/** An integer within bounds. */
export const intIn = (name: string, min: number, max: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

/** A repeatable option's values, in order. */
export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** true/false (also 1/0, yes/no), as environment variables and chart values spell them. */
export const bool = (v: string): boolean => {
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new InvalidArgumentError('expected true or false');
};
