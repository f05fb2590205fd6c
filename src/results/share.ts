/**
 * Shares equal parts among results. A cluster's results repeat themselves: a thousand pods made from
 * ten templates carry the same findings (same policy, message and path), pass the same policies and get
 * the same verdict. A live scan holds a result per object, so each repeated part is held once: the
 * findings of 100,000 objects shrink to those of the distinct pod templates.
 *
 * Results are never changed after they are made (placing context findings makes new ones), so sharing
 * is safe. The tables are bounded: past `maxEntries` distinct parts, new ones are kept unshared.
 */
import type { ContextObjectResult } from '../core/context.js';
import type { ObjectResult, ResultFinding, Verdict } from './model.js';

export class ResultSharing {
  private readonly findings = new Map<string, ResultFinding>();
  private readonly lists = new Map<string, string[]>();
  private readonly exemptions = new Map<string, ObjectResult['policyExemptions']>();
  private readonly verdicts = new Map<string, Verdict>();
  private readonly outcomes = new Map<string, Omit<ObjectResult, 'ref'>>();

  /**
   * `findings: false` shares everything but the findings: for `scan`, whose findings carry the line of
   * each object's own file and so rarely repeat (keying them would cost more than it saves).
   */
  constructor(private readonly maxEntries = 50_000, private readonly options: { findings?: boolean } = {}) {}

  /** The result with its findings, passed policies, policy exemptions and verdict shared with equal ones seen before. */
  share(result: ObjectResult): ObjectResult {
    // Written out rather than spread: one result per object is kept, and V8 gives each object made
    // by a spread its own hidden class.
    const policyExemptions = result.policyExemptions.length === 0 ? NO_EXEMPTIONS : this.pick(this.exemptions, JSON.stringify(result.policyExemptions), result.policyExemptions);
    const findings = this.options.findings === false ? result.findings : result.findings.map((f) => this.finding(f));
    const verdict = this.pick(this.verdicts, JSON.stringify(result.verdict), result.verdict);
    // Exempt results are few: kept in their own field order.
    if (result.exemptBy !== undefined) return { ...result, policyExemptions, findings, verdict, ...(result.passed !== undefined ? { passed: this.pick(this.lists, result.passed.join('\n'), result.passed) } : {}) };
    return result.passed !== undefined
      ? { ref: result.ref, status: result.status, policyExemptions, passed: this.pick(this.lists, result.passed.join('\n'), result.passed), findings, verdict }
      : { ref: result.ref, status: result.status, policyExemptions, findings, verdict };
  }

  /**
   * A result without its reference, shared whole with an equal one seen before: the pods of one
   * template in one namespace have the same outcome, so a holder of 100,000 results keeps a few
   * thousand outcomes and a reference per object.
   */
  outcome(result: Omit<ObjectResult, 'ref'>): Omit<ObjectResult, 'ref'> {
    const { ref: _ref, ...parts } = this.share({ ...result, ref: NO_REF });
    return this.pick(this.outcomes, JSON.stringify(parts), parts);
  }

  /**
   * An equal finding seen before; else this one, with its evidence shared (a cluster policy's chains
   * repeat across the workloads it names). Keyed by the parts that vary between findings of a policy;
   * the parts a policy's text gives (title, category, remediation, controls) are compared on a hit,
   * so a reloaded policy with new wording replaces the finding it shared before. JSON of the whole
   * finding was a tenth of a live scan's CPU.
   */
  private finding(f: ResultFinding): ResultFinding {
    const key = variableKey(f);
    const known = this.findings.get(key);
    if (known !== undefined && samePolicyText(known, f)) return known;
    const made = this.withEvidence(f);
    if (known !== undefined) {
      this.findings.set(key, made);
      return made;
    }
    return this.pick(this.findings, key, made);
  }

  /**
   * Cluster policies' results with equal evidence shared. Their findings name one object each, so
   * only the evidence repeats: the same grant chains for every workload of a namespace, each a string
   * built piece by piece (held as its pieces), which without sharing outweighs every other result.
   */
  context(objects: readonly ContextObjectResult[]): ContextObjectResult[] {
    return objects.map((o) => (o.findings.some((f) => f.evidence !== undefined) ? { ...o, findings: o.findings.map((f) => this.withEvidence(f)) } : o));
  }

  private withEvidence<F extends ResultFinding>(f: F): F {
    return f.evidence !== undefined && f.evidence.length > 0 ? { ...f, evidence: this.pick(this.lists, JSON.stringify(f.evidence), f.evidence) } : f;
  }

  /** Distinct parts held (for tests and metrics). */
  get size(): number {
    return this.findings.size + this.lists.size + this.exemptions.size + this.verdicts.size + this.outcomes.size;
  }

  private pick<T>(table: Map<string, T>, key: string, value: T): T {
    const known = table.get(key);
    if (known !== undefined) return known;
    if (table.size < this.maxEntries) table.set(key, value);
    return value;
  }
}

/**
 * What tells findings of one policy apart, as a key. Every field of `ResultFinding` is here or in
 * `samePolicyText`; a field added to the model must be added to one of them (share.test.ts checks).
 */
export function variableKey(f: ResultFinding): string {
  // JSON of an array: injective whatever the strings hold (a message may quote an object's values).
  return JSON.stringify([f.kind, f.policyId, f.action, f.severity, f.path, f.message, f.value === undefined ? 0 : [f.value], f.pssVersion ?? 0, f.line ?? 0, f.baselined ?? 0, f.evidence ?? 0]);
}

/** The parts of two findings with the same `variableKey` that come from their policy's text. */
export function samePolicyText(a: ResultFinding, b: ResultFinding): boolean {
  return a.title === b.title && a.category === b.category && a.remediation === b.remediation && sameList(a.controls, b.controls);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const NO_EXEMPTIONS: ObjectResult['policyExemptions'] = [];
const NO_REF: ObjectResult['ref'] = { apiVersion: '', kind: '', name: '', uid: '', resourceVersion: '' };
