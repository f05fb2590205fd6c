import type { Decision, Finding, Mode } from './types.js';
import type { EngineResult } from './engine.js';

/** Limits that keep answers readable and inside what the kube-apiserver passes on intact. */
export const WARNING_MAX_CHARS = 120;
const WARNINGS_MAX_COUNT = 25;
const DENY_MAX_FINDINGS = 30;
const ANNOTATION_MAX_CHARS = 1024;

/**
 * Turns findings into an admission decision. Deny-level findings deny under `enforce`; under `warn`
 * they become warnings; under `audit` (the dry-run mode) they become a `would deny` warning and an
 * audit annotation, and never deny.
 */
export function decide(result: Pick<EngineResult, 'findings' | 'mode'> & { notes?: readonly string[]; annotationNotes?: readonly string[]; exemptBy?: string }, modeOverride?: Mode): Decision {
  const mode = modeOverride ?? result.mode;
  // One pass sorts the findings into the buckets every adapter reads; nobody sorts them again.
  const deny: Finding[] = [];
  const warn: Finding[] = [];
  const audit: Finding[] = [];
  const errors: Finding[] = [];
  const warned: Finding[] = [];
  const audited: Finding[] = [];
  for (const f of result.findings) {
    if (f.action === 'deny') deny.push(f);
    else if (f.action === 'warn') warn.push(f);
    else audit.push(f);
    if (f.kind === 'error') errors.push(f);
    else if (f.action === 'warn') warned.push(f);
    else if (f.action === 'audit') audited.push(f);
  }
  const auditAnnotations: Record<string, string> = {};
  const warnings = new WarningList();

  let allowed = true;
  let message: string | undefined;
  let wouldDeny: Finding[] = [];
  if (deny.length > 0) {
    const denyText = denyMessage(deny);
    if (mode === 'enforce') {
      allowed = false;
      message = denyText;
    } else {
      wouldDeny = deny;
      for (const f of deny) warnings.addClean(`${mode === 'audit' ? 'would deny: ' : ''}${shortFinding(f)}`);
      if (mode === 'audit') auditAnnotations['would-deny'] = clip(denyText, ANNOTATION_MAX_CHARS);
    }
  }
  for (const f of warn) warnings.addClean(shortFinding(f));
  for (const f of audit) {
    const prev = auditAnnotations[f.policyId];
    auditAnnotations[f.policyId] = clip(prev === undefined ? oneFinding(f) : `${prev}; ${oneFinding(f)}`, ANNOTATION_MAX_CHARS);
  }
  for (const note of result.notes ?? []) warnings.add(`namespace labels: ${note}`);
  // What the object's kube-posture.io/ignore annotation did: exempted policies, or why it was not honoured.
  for (const note of result.annotationNotes ?? []) warnings.add(note);
  const outcome = result.exemptBy !== undefined ? 'exempt' : !allowed ? 'denied' : wouldDeny.length > 0 ? 'would_deny' : 'allowed';
  return {
    allowed,
    outcome,
    ...(message !== undefined ? { message } : {}),
    warnings: warnings.list(),
    auditAnnotations,
    mode,
    ...(result.exemptBy !== undefined ? { exemptBy: result.exemptBy } : {}),
    denied: allowed ? [] : deny,
    wouldDeny,
    warned,
    audited,
    errors,
  };
}

/** `[policy-id] message (at path)` */
function oneFinding(f: Finding): string {
  return sanitize(`[${f.policyId}] ${f.message}${f.path !== '' ? ` (${f.path})` : ''}`);
}

/** One line for kubectl: every deny-level finding, each with its rule, what is wrong, where. */
export function denyMessage(findings: readonly Finding[]): string {
  const unique = [...new Set(findings.map(oneFinding))];
  const shown = unique.slice(0, DENY_MAX_FINDINGS);
  const more = unique.length - shown.length;
  const noun = unique.length === 1 ? 'violation' : 'violations';
  return `kube-posture: ${unique.length} policy ${noun}: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/** A warning under WARNING_MAX_CHARS: the rule and message first, the path if it fits. */
function shortFinding(f: Finding): string {
  const head = sanitize(`[${f.policyId}] ${f.message}`);
  const withPath = f.path !== '' ? `${head} (${sanitize(f.path)})` : head;
  return clip(withPath.length <= WARNING_MAX_CHARS ? withPath : head, WARNING_MAX_CHARS);
}

/** No control characters (the apiserver drops warnings with them) and well-formed UTF-16. */
export function sanitize(text: string): string {
  // Most texts are clean: test before building a copy.
  if (text.isWellFormed() && !UNSAFE_CHAR.test(text)) return text;
  return text.toWellFormed().replace(UNSAFE_RUNS, ' ');
}
// eslint-disable-next-line no-control-regex
const UNSAFE_CHAR = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_RUNS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, max - 1).toWellFormed() + '…';
}

class WarningList {
  private readonly seen = new Set<string>();
  add(text: string): void {
    this.addClean(sanitize(text));
  }
  /** A text already sanitized (shortFinding's): sanitizing it again would find nothing to change. */
  addClean(text: string): void {
    const t = text.trim();
    if (t !== '' && this.seen.size < WARNINGS_MAX_COUNT) this.seen.add(t);
  }
  list(): string[] {
    return [...this.seen];
  }
}
