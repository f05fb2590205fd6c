/**
 * The compliance model: findings added up per control and per framework. Pure: a report, the
 * registry and the enabled policies in; counts and scores out. Which controls a framework holds
 * comes from the catalogue (src/catalogue), never from a list kept here.
 *
 * A policy counts for an object when it ran on it (passed, found something, or was exempted for it)
 * or, for an object a global exemption covers, when it is enabled and inspects the object's kind.
 * Formulas (docs/compliance.md, with a worked example):
 *   control score    = passed / (passed + failed)  over the resources the control applies to; exempt
 *                      resources count in neither (they were not judged)
 *   framework score  = the mean of the scores of its controls that applied to at least one resource
 *   risk score       = Σ weight(severity_c) × failed_c / (passed_c + failed_c)  /  Σ weight(severity_c)
 *                      over the same controls; a control's severity is its most severe covering policy
 */
import { CONTROLS, FRAMEWORKS, type Control, type FrameworkId } from '../catalogue/controls.js';
import { canonicalKind, groupOf, isAnyKind, lookupKind, POD_KINDS, kindKey } from '../core/kinds.js';
import type { Registry } from '../core/registry.js';
import type { Severity } from '../core/types.js';
import type { ObjectRef, ObjectResult, Report } from '../results/model.js';

/** The frameworks reports score. PSS is split by level: restricted holds the baseline controls too. */
export type ScoredFrameworkId = 'pss-baseline' | 'pss-restricted' | Exclude<FrameworkId, 'pss' | 'cve'>;
export const SCORED_FRAMEWORKS: readonly { id: ScoredFrameworkId; name: string; holds: (c: Control) => boolean }[] = [
  { id: 'pss-baseline', name: 'Pod Security Standards: baseline', holds: (c) => c.framework === 'pss' && c.group === 'Baseline' },
  { id: 'pss-restricted', name: 'Pod Security Standards: restricted', holds: (c) => c.framework === 'pss' },
  ...(['cis-k8s', 'nsa', 'mitre'] as const).map((id) => ({ id, name: FRAMEWORKS.find((f) => f.id === id)!.name, holds: (c: Control) => c.framework === id })),
];

export const SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = { critical: 10, high: 7, medium: 4, low: 2, info: 1 };
const SEVERITY_ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export interface FailingResource {
  ref: ObjectRef;
  policyId: string;
  message: string;
  path: string;
  remediation: string;
}

export interface ControlScore {
  id: string;
  title: string;
  /** `judged`: enabled policies cover it; `not-covered`: no enabled policy does (needs node access, or manual review). */
  status: 'judged' | 'not-covered';
  severity?: Severity;
  policies: string[];
  evaluated: number;
  passed: number;
  failed: number;
  exempt: number;
  /** passed / evaluated, 0..1; undefined when the control applied to no resource. */
  score?: number;
  failing: FailingResource[];
}

export interface FrameworkScore {
  id: ScoredFrameworkId;
  name: string;
  /** Mean control score in percent (0..100), undefined when no control applied. */
  compliance?: number;
  /** Severity-weighted share of failing resources in percent (0..100), undefined when no control applied. */
  risk?: number;
  /** Controls that applied to at least one resource. */
  applied: number;
  controls: ControlScore[];
}

export interface ComplianceSummary {
  frameworks: FrameworkScore[];
}

/**
 * Scores a report. `enabled` are the ids of the policies the configuration enables. `failing: false`
 * leaves the lists of failing resources empty (the counts and scores are the same): a long-running
 * reader that only exports scores must not build a list as long as the cluster every time.
 */
export function scoreCompliance(report: Pick<Report, 'objects'>, registry: Pick<Registry, 'policies'>, enabled: ReadonlySet<string>, options: { failing?: boolean } = {}): ComplianceSummary {
  const listFailing = options.failing !== false;
  const controls = new Map<string, ControlScore>();
  for (const c of CONTROLS) {
    const policies = [...registry.policies.values()].filter((r) => enabled.has(r.policy.id) && r.policy.controls.includes(c.id));
    const severity = policies.map((r) => r.policy.severity).sort((a, b) => SEVERITY_ORDER.indexOf(b) - SEVERITY_ORDER.indexOf(a))[0];
    controls.set(c.id, { id: c.id, title: c.title, status: policies.length > 0 ? 'judged' : 'not-covered', ...(severity ? { severity } : {}), policies: policies.map((r) => r.policy.id).sort(), evaluated: 0, passed: 0, failed: 0, exempt: 0, failing: [] });
  }
  const judged = [...controls.values()].filter((c) => c.status === 'judged');
  for (const o of report.objects) {
    const seen = outcomesOf(o);
    for (const c of judged) {
      const outcome = controlOutcome(o, seen, c, registry);
      if (outcome === undefined) continue;
      if (outcome === 'exempt') {
        c.exempt++;
        continue;
      }
      c.evaluated++;
      if (outcome === 'passed') c.passed++;
      else {
        c.failed++;
        if (listFailing) for (const f of o.findings) if (c.policies.includes(f.policyId)) c.failing.push({ ref: o.ref, policyId: f.policyId, message: f.message, path: f.path, remediation: f.remediation });
      }
    }
  }
  for (const c of controls.values()) if (c.evaluated > 0) c.score = c.passed / c.evaluated;
  const frameworks = SCORED_FRAMEWORKS.map((fw) => {
    const list = CONTROLS.filter(fw.holds).map((c) => controls.get(c.id)!);
    const applied = list.filter((c) => c.score !== undefined);
    const weight = (c: ControlScore) => SEVERITY_WEIGHT[c.severity ?? 'info'];
    const totalWeight = applied.reduce((a, c) => a + weight(c), 0);
    return {
      id: fw.id,
      name: fw.name,
      ...(applied.length > 0 ? {
        compliance: round1((applied.reduce((a, c) => a + c.score!, 0) / applied.length) * 100),
        risk: round1((applied.reduce((a, c) => a + weight(c) * (c.failed / c.evaluated), 0) / totalWeight) * 100),
      } : {}),
      applied: applied.length,
      controls: list,
    };
  });
  return { frameworks };
}

interface PolicyOutcomes {
  failed: Set<string>;
  passed: Set<string>;
  exempted: Set<string>;
}

/**
 * Sets of passed policies by list: results share equal lists (`ResultSharing`), and a set of ~70 ids
 * built for each of 50,000 objects was most of what a large scan's report allocated.
 */
const passedSets = new WeakMap<readonly string[], Set<string>>();
const NO_IDS: Set<string> = new Set();

function passedSet(passed: readonly string[] | undefined): Set<string> {
  if (passed === undefined || passed.length === 0) return NO_IDS;
  let set = passedSets.get(passed);
  if (set === undefined) {
    set = new Set(passed);
    passedSets.set(passed, set);
  }
  return set;
}

/** An object's policy outcomes as sets, built once per object rather than once per control. */
function outcomesOf(o: ObjectResult): PolicyOutcomes {
  return {
    failed: o.findings.length === 0 ? NO_IDS : new Set(o.findings.map((f) => f.policyId)),
    passed: passedSet(o.passed),
    exempted: o.policyExemptions.length === 0 ? NO_IDS : new Set(o.policyExemptions.map((e) => e.policyId)),
  };
}

/**
 * What one control says of one object: failed when any of its policies found something (a policy
 * error included: an object is never passed unexamined), passed when one ran clean, exempt when its
 * policies were exempted for the object; undefined when none of them applies to it.
 */
function controlOutcome(o: ObjectResult, seen: PolicyOutcomes, c: ControlScore, registry: Pick<Registry, 'policies'>): 'passed' | 'failed' | 'exempt' | undefined {
  if (o.status === 'exempt') return c.policies.some((id) => inspectsKind(registry, id, o.ref)) ? 'exempt' : undefined;
  let ran = false;
  let exempted = false;
  for (const id of c.policies) {
    if (seen.failed.has(id)) return 'failed';
    if (seen.passed.has(id)) ran = true;
    else if (seen.exempted.has(id)) exempted = true;
  }
  return ran ? 'passed' : exempted ? 'exempt' : undefined;
}

function inspectsKind(registry: Pick<Registry, 'policies'>, policyId: string, ref: ObjectRef): boolean {
  const r = registry.policies.get(policyId);
  if (!r) return false;
  const gk = { group: groupOf(ref.apiVersion), kind: ref.kind };
  if (r.policy.target === 'pod') return POD_KINDS.some((k) => kindKey(k) === kindKey(canonicalKind(gk)));
  const known = lookupKind(gk);
  return known !== undefined && r.kinds.some((k) => isAnyKind(k) || kindKey(k) === kindKey(canonicalKind(gk)));
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
