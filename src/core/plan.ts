import type { EngineConfig, EnginePolicy } from './engine-config.js';
import { pssPolicyIds, type Registry } from './registry.js';
import type { Action, EvaluationResult, Mode, ObjectPolicy, Operation, PodPolicy, PssLevel, PssVersion } from './types.js';
import type { Exemptions } from './exemptions.js';
import { canonicalKind, isAnyKind, kindKey, lookupKind, type GroupKind } from './kinds.js';
import { ACTION_RANK } from './types.js';
import { LATEST_PSS_VERSION, parsePssVersion, versionAtLeast, formatPssVersion } from './version.js';

/** One policy to run for a request, with the action and Pod Security Standards version it runs at. */
export interface PlanEntry {
  policy: EnginePolicy;
  action: Action;
  version: PssVersion;
}

export interface Plan {
  mode: Mode;
  entries: readonly PlanEntry[];
  /** Label problems (invalid level or version), reported once per plan like PSA does. */
  notes: readonly string[];
}

// Most policies inspect a few kinds; the entries that can apply to a kind are indexed on first use so
// that a Deployment never walks the RBAC and NetworkPolicy policies.
const byKindCache = new WeakMap<Plan, Map<string, readonly PlanEntry[]>>();

/** The plan's entries that can apply to objects of this kind (pod rules for pod-bearing kinds). */
export function entriesForKind(plan: Plan, gk: GroupKind): readonly PlanEntry[] {
  let index = byKindCache.get(plan);
  if (!index) byKindCache.set(plan, (index = new Map()));
  const key = kindKey(gk);
  let list = index.get(key);
  if (!list) {
    const podKind = lookupKind(gk)?.podPath !== undefined;
    const judgedAs = canonicalKind(gk);
    list = plan.entries.filter((e) => {
      const r = e.policy.registered;
      return r.policy.target === 'pod' ? podKind : r.kinds.some((k) => isAnyKind(k) || (k.kind === judgedAs.kind && k.group === judgedAs.group));
    });
    if (index.size < 1000) index.set(key, list);
  }
  return list;
}

/**
 * One plan entry compiled for a kind and an operation: everything about running it that does not
 * depend on the object, worked out once per configuration (and namespace label set) instead of once
 * per request and policy.
 */
export interface PlanStep {
  entry: PlanEntry;
  policy: PodPolicy | ObjectPolicy;
  /** A pod rule: runs on the request's pod subject, when pod rules apply to the request. */
  pod: boolean;
  /** Sub-resources an object policy inspects besides the main resource. */
  subResources: readonly string[];
  /** Needs image scan results; skipped (no outcome) without them. */
  needsVulnerabilities: boolean;
  exemptions: Exemptions | undefined;
  params: Record<string, unknown>;
  /** The step's pass and fail outcomes, shared (frozen) by every evaluation rather than made per review. */
  passed: PolicyOutcomeEntry;
  failed: PolicyOutcomeEntry;
}

type PolicyOutcomeEntry = EvaluationResult['outcomes'][number];

const OPERATION_INDEX: Readonly<Record<Operation, number>> = { CREATE: 0, UPDATE: 1, DELETE: 2, CONNECT: 3 };
// Per plan, per group and kind (no key string built per request), the steps of each operation.
const stepsCache = new WeakMap<Plan, Map<string, Map<string, (readonly PlanStep[] | undefined)[]>>>();

/** The plan's steps for objects of this kind under this operation, in plan order; compiled on first use. */
export function stepsFor(plan: Plan, gk: GroupKind, operation: Operation): readonly PlanStep[] {
  let byGroup = stepsCache.get(plan);
  if (!byGroup) stepsCache.set(plan, (byGroup = new Map()));
  let byKind = byGroup.get(gk.group);
  if (!byKind) {
    byKind = new Map();
    if (byGroup.size < 1000) byGroup.set(gk.group, byKind);
  }
  let byOp = byKind.get(gk.kind);
  if (!byOp) {
    byOp = [undefined, undefined, undefined, undefined];
    if (byKind.size < 1000) byKind.set(gk.kind, byOp);
  }
  const i = OPERATION_INDEX[operation];
  let steps = byOp[i];
  if (steps === undefined) {
    const out: PlanStep[] = [];
    for (const entry of entriesForKind(plan, gk)) {
      const r = entry.policy.registered;
      if (r.policy.target === 'cluster' || !r.operations.includes(operation)) continue;
      out.push(Object.freeze({
        entry,
        policy: r.policy,
        pod: r.policy.target === 'pod',
        subResources: r.subResources,
        needsVulnerabilities: r.policy.requires?.includes('vulnerabilities') === true,
        exemptions: entry.policy.exemptions,
        params: entry.policy.params as Record<string, unknown>,
        passed: Object.freeze({ policyId: r.policy.id, outcome: 'pass' }),
        failed: Object.freeze({ policyId: r.policy.id, outcome: 'fail' }),
      }));
    }
    steps = Object.freeze(out);
    byOp[i] = steps;
  }
  return steps;
}

const MODE_ACTIONS: readonly [string, Action][] = [['enforce', 'deny'], ['warn', 'warn'], ['audit', 'audit']];
const LEVELS: readonly PssLevel[] = ['privileged', 'baseline', 'restricted'];
const MODES: readonly Mode[] = ['enforce', 'warn', 'audit'];

// Plans depend only on the configuration and the namespace's labels; namespaces share few label
// sets, so plans are memoised per configuration (a WeakMap, so an old configuration is collected).
const planCache = new WeakMap<EngineConfig, Map<string, Plan>>();

export function planFor(config: EngineConfig, registry: Registry, namespaceLabels: Record<string, string> | undefined): Plan {
  const relevant = relevantLabels(config, namespaceLabels);
  const key = relevant === NO_LABELS ? '' : JSON.stringify(relevant);
  let byLabels = planCache.get(config);
  if (!byLabels) {
    byLabels = new Map();
    planCache.set(config, byLabels);
  }
  let plan = byLabels.get(key);
  if (!plan) {
    plan = buildPlan(config, registry, relevant);
    if (byLabels.size < 10_000) byLabels.set(key, plan);
  }
  return plan;
}

const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const SUFFIXES = ['enforce', 'enforce-version', 'warn', 'warn-version', 'audit', 'audit-version'];

/** The labels the plan depends on, for the first prefix that sets each. */
function relevantLabels(config: EngineConfig, labels: Record<string, string> | undefined): Record<string, string> {
  if (!labels || typeof labels !== 'object') return NO_LABELS;
  // Most namespaces carry none of our labels: answer that without building anything.
  let any = false;
  for (const key in labels) {
    if (config.labelPrefixes.some((p) => key.startsWith(p) && key.charCodeAt(p.length) === 47 /* / */)) {
      any = true;
      break;
    }
  }
  if (!any) return NO_LABELS;
  const out: Record<string, string> = {};
  for (const suffix of SUFFIXES) {
    for (const prefix of config.labelPrefixes) {
      const v = labels[`${prefix}/${suffix}`];
      if (typeof v === 'string') {
        out[suffix] = v;
        break;
      }
    }
  }
  const mode = labels[`${config.labelPrefixes[0]}/mode`];
  if (typeof mode === 'string') out.mode = mode;
  return out;
}

function buildPlan(config: EngineConfig, registry: Registry, labels: Record<string, string>): Plan {
  const notes: string[] = [];
  let entries: PlanEntry[] = [];
  const overridden = new Set<Action>();
  for (const [mode, action] of MODE_ACTIONS) {
    const levelText = labels[mode];
    if (levelText === undefined) continue;
    overridden.add(action);
    // Pod Security Admission treats an invalid level as restricted and an invalid version as latest.
    let level = levelText as PssLevel;
    if (!LEVELS.includes(level)) {
      notes.push(`invalid ${mode} level ${JSON.stringify(levelText)}, using restricted`);
      level = 'restricted';
    }
    const versionText = labels[`${mode}-version`];
    let version = versionText === undefined ? config.pssVersion : parsePssVersion(versionText);
    if (!version) {
      notes.push(`invalid ${mode}-version ${JSON.stringify(versionText)}, using latest`);
      version = LATEST_PSS_VERSION;
    }
    for (const id of pssPolicyIds(registry, level)) {
      const policy = config.policies.get(id);
      if (policy) entries.push({ policy, action, version });
    }
  }
  for (const { id, action } of config.enabled) {
    const policy = config.policies.get(id);
    if (!policy) continue;
    // A label for a mode replaces the configured Pod Security Standards checks of that mode.
    if (policy.registered.policy.pss && overridden.has(action)) continue;
    entries.push({ policy, action, version: config.pssVersion });
  }
  entries = dropEquivalent(entries);
  entries = dropSuperseded(entries);
  let mode = config.mode;
  if (labels.mode !== undefined) {
    if (MODES.includes(labels.mode as Mode)) mode = labels.mode as Mode;
    else notes.push(`invalid mode ${JSON.stringify(labels.mode)}, using ${config.mode}`);
  }
  return Object.freeze({ mode, entries: Object.freeze(entries), notes: Object.freeze(notes) });
}

/** A policy at one version runs once, at its strongest action (PSA skips a warn equal to enforce). */
function dropEquivalent(entries: PlanEntry[]): PlanEntry[] {
  const best = new Map<string, PlanEntry>();
  const order: string[] = [];
  for (const e of entries) {
    const key = `${e.policy.id}@${formatPssVersion(e.version)}`;
    const prev = best.get(key);
    if (!prev) order.push(key);
    if (!prev || ACTION_RANK[e.action] > ACTION_RANK[prev.action]) best.set(key, e);
  }
  return order.map((k) => best.get(k)!);
}

/** Drops checks that another active check replaces at that version and action. */
function dropSuperseded(entries: PlanEntry[]): PlanEntry[] {
  const superseded = new Set<string>();
  for (const e of entries) {
    for (const s of e.policy.registered.policy.pss?.supersedes ?? []) {
      if (versionAtLeast(e.version, s.since)) superseded.add(`${s.policy}@${e.action}@${formatPssVersion(e.version)}`);
    }
  }
  if (superseded.size === 0) return entries;
  return entries.filter((e) => !superseded.has(`${e.policy.id}@${e.action}@${formatPssVersion(e.version)}`));
}
