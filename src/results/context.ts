/**
 * Placing what cluster policies found (`evaluateContext`) into a report: findings about an object the
 * report already has join its result, which is decided again over all its findings; findings about
 * anything else (a namespace only used, a User, a Group) get a result of their own. Pure.
 */
import type { ContextObjectResult, ContextResult } from '../core/context.js';
import { decide } from '../core/decide.js';
import { objectKey } from '../core/view/ids.js';
import type { ObjectId } from '../core/view/types.js';
import { objectResult } from './build.js';
import type { ObjectRef, ObjectResult, ResultFinding } from './model.js';

/** The line of a finding's path in the object's source, for manifests. */
export type LineOf = (path: string) => number | undefined;

function findingsOf(ctx: ContextObjectResult, lineOf: LineOf | undefined): ResultFinding[] {
  return ctx.findings.map(({ object: _object, ...f }) => {
    const line = lineOf?.(f.path);
    return line === undefined ? f : { ...f, line };
  });
}

function skipsOf(ctx: ContextObjectResult): ObjectResult['policyExemptions'] {
  return ctx.outcomes.filter((o) => o.outcome === 'skip').map((o) => ({ policyId: o.policyId, reason: o.reason ?? 'exempt' }));
}

/**
 * Whether cluster policies' results about an object the report lacks make a result of their own: a
 * finding does; so does a `kube-posture.io/ignore` annotation they honoured (the object asked, and is
 * reported exempt, never passed silently); a configured exemption alone does not.
 */
export function deservesResult(ctx: ContextObjectResult): boolean {
  return ctx.findings.length > 0 || (ctx.annotationNotes?.length ?? 0) > 0;
}

/** The result with the cluster policies' findings added and its verdict decided again. An exempt result stays as it is. */
export function withContext(result: ObjectResult, ctx: ContextObjectResult, lineOf?: LineOf): ObjectResult {
  if (result.status === 'exempt') return result;
  const findings = [...result.findings, ...findingsOf(ctx, lineOf)];
  const decision = decide({ findings, mode: result.verdict.mode });
  return {
    ...result,
    policyExemptions: [...result.policyExemptions, ...skipsOf(ctx)],
    findings,
    verdict: { allowed: decision.allowed, outcome: decision.outcome, mode: decision.mode, ...(decision.message !== undefined ? { message: decision.message } : {}) },
  };
}

/** A result for an object only cluster policies speak of. */
export function contextOnlyResult(ref: ObjectRef, ctx: ContextObjectResult, lineOf?: LineOf): ObjectResult {
  const findings = findingsOf(ctx, lineOf);
  return objectResult(ref, { ...ctx, findings }, decide({ findings, mode: ctx.mode }));
}

/** How an adapter places context results: the key of each result it has, and a reference for an identity it has none for. */
export interface ContextPlacement {
  keyOf(result: ObjectResult, index: number): string;
  /** A reference for an identity the report has no result for, and where its findings' lines are. */
  refFor(id: ObjectId): { ref: ObjectRef; lineOf?: LineOf };
  /** Lines of findings about the result at `index`. */
  lineOf?(index: number): LineOf | undefined;
}

/** Every context result merged into `results` (in place, by key) or appended; returns `results`. */
export function placeContext(results: ObjectResult[], context: ContextResult, placement: ContextPlacement): ObjectResult[] {
  if (context.objects.length === 0) return results;
  const byKey = new Map<string, number>();
  results.forEach((r, i) => {
    const key = placement.keyOf(r, i);
    if (!byKey.has(key)) byKey.set(key, i);
  });
  for (const ctx of context.objects) {
    if (ctx.findings.length === 0 && !ctx.outcomes.some((o) => o.outcome === 'skip')) continue;
    const index = byKey.get(objectKey(ctx.object));
    if (index !== undefined) {
      results[index] = withContext(results[index]!, ctx, placement.lineOf?.(index));
    } else if (deservesResult(ctx)) {
      const { ref, lineOf } = placement.refFor(ctx.object);
      byKey.set(objectKey(ctx.object), results.push(contextOnlyResult(ref, ctx, lineOf)) - 1);
    }
  }
  return results;
}
