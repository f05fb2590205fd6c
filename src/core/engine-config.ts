import { paramsValidator } from './params-validator.js';
import type { Problem } from './errors.js';
import { errorMessage } from './errors.js';
import type { Exemptions } from './exemptions.js';
import type { Registry } from './registry.js';
import { defaultsOf } from './schema-policy.js';
import { composeProfile } from './profiles.js';
import type { IgnoreAnnotationsAllow } from './annotations.js';
import type { Action, Mode, PssVersion, RegisteredPolicy } from './types.js';
import { LATEST_PSS_VERSION, parsePssVersion } from './version.js';

/** Settings for one policy in the configuration file. */
export interface PolicySettings {
  enabled?: boolean;
  action?: Action;
  parameters?: Record<string, unknown>;
  exemptions?: Exemptions;
  onError?: 'closed' | 'open';
}

/** The policy-related part of the configuration, as validated by the config schema. */
export interface PolicyConfig {
  /** Base set of policies: a built-in profile name, or several comma-separated (union; the stricter action wins). */
  profile: string;
  mode: Mode;
  podSecurity: { version: string };
  policies: Record<string, PolicySettings>;
  exemptions: Exemptions;
  namespaceLabels: {
    /** Labels `<prefix>/enforce`, `/warn`, `/audit` (each with `-version`) and `/mode` are read from namespaces. */
    prefix: string;
    /** Also read Kubernetes' own `pod-security.kubernetes.io/*` labels (ours win when both are set). */
    podSecurityLabels: boolean;
  };
  /** Which policies an object may switch off with `kube-posture.io/ignore` (./annotations.ts). */
  ignoreAnnotations: { allow: IgnoreAnnotationsAllow };
  evaluation: {
    /** Time budget of one guarded policy call, in milliseconds. */
    timeoutMs: number;
    /** Failure mode for policies that do not set their own. */
    onError: 'closed' | 'open';
  };
}

export const DEFAULT_POLICY_CONFIG: PolicyConfig = Object.freeze({
  profile: 'recommended',
  mode: 'enforce',
  podSecurity: { version: 'latest' },
  policies: {},
  exemptions: {},
  namespaceLabels: { prefix: 'kube-posture.io', podSecurityLabels: false },
  ignoreAnnotations: { allow: 'warn-only' },
  evaluation: { timeoutMs: 100, onError: 'closed' },
}) as PolicyConfig;

/** A policy ready to evaluate: parameters resolved, action chosen. */
export interface EnginePolicy {
  registered: RegisteredPolicy;
  id: string;
  params: Readonly<Record<string, unknown>>;
  exemptions?: Exemptions;
  onError: 'closed' | 'open';
}

export interface EngineConfig {
  mode: Mode;
  pssVersion: PssVersion;
  /** Every registered policy with its resolved parameters (namespace labels may enable PSS ones). */
  policies: ReadonlyMap<string, EnginePolicy>;
  /** The policies enabled by profile and settings, with their action. */
  enabled: readonly { id: string; action: Action }[];
  /**
   * Requests no policy applies to: the configured global exemptions, then those the composing
   * command adds for itself (the webhook's own namespace and service account). Each set is named,
   * so the reason says which one matched.
   */
  exemptions: readonly ExemptionSet[];
  labelPrefixes: readonly string[];
  timeoutMs: number;
  /** Which policies an object's `kube-posture.io/ignore` annotation may switch off. */
  ignoreAnnotations: IgnoreAnnotationsAllow;
}

/** A named set of global exemptions; `source` prefixes the reason (`webhook's own namespace x`). */
export interface ExemptionSet {
  source?: string;
  exemptions: Exemptions;
}

export interface ResolveOptions {
  /**
   * Exemptions the composing command adds to the configured ones, e.g. the webhook never blocks
   * its own namespace and service account. Merged here, so every adapter gets the same answer.
   */
  ownExemptions?: ExemptionSet;
}


/**
 * Turns the configuration into an immutable engine configuration. Every problem is reported
 * (unknown profile or policy ids, invalid parameters); the caller decides what to do with them.
 */
export function resolveEngineConfig(pc: PolicyConfig, registry: Registry, options: ResolveOptions = {}): { config?: EngineConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  const { policies: profile, unknown: unknownProfiles } = composeProfile(registry, pc.profile);
  for (const name of unknownProfiles) problems.push({ code: 'KP_ERR_POLICY_UNKNOWN', message: `unknown profile ${JSON.stringify(name)}; known: ${[...registry.profiles.keys()].join(', ')} (or several, comma-separated)`, path: 'profile' });
  const pssVersion = parsePssVersion(pc.podSecurity.version);
  if (!pssVersion) problems.push({ code: 'KP_ERR_CONFIG_INVALID', message: `invalid version ${JSON.stringify(pc.podSecurity.version)}: use latest or v1.0 ... v1.${LATEST_PSS_VERSION.minor}`, path: 'podSecurity.version' });

  for (const id of Object.keys(pc.policies)) {
    if (!registry.policies.has(id)) problems.push({ code: 'KP_ERR_POLICY_UNKNOWN', message: `unknown policy ${JSON.stringify(id)}`, path: `policies.${id}` });
  }

  const policies = new Map<string, EnginePolicy>();
  for (const [id, registered] of registry.policies) {
    const settings = pc.policies[id] ?? {};
    const meta = registered.policy;
    const params = { ...defaultsOf(meta.parameters), ...(settings.parameters ?? {}) };
    if (meta.parameters !== undefined) {
      // Defaults alone were checked when the policy was registered (or, built in, by the library's tests).
      const validate = settings.parameters !== undefined ? paramsValidator(meta.parameters) : undefined;
      if (validate !== undefined && !validate(params)) {
        for (const e of validate.errors ?? []) problems.push({ code: 'KP_ERR_POLICY_PARAMS', message: `${e.instancePath || 'parameters'} ${e.message ?? 'is invalid'}`, path: `policies.${id}.parameters${e.instancePath.replace(/\//g, '.')}` });
        continue;
      }
    } else if (settings.parameters !== undefined && Object.keys(settings.parameters).length > 0) {
      problems.push({ code: 'KP_ERR_POLICY_PARAMS', message: 'this policy takes no parameters', path: `policies.${id}.parameters` });
      continue;
    }
    try {
      meta.prepare?.(params);
    } catch (err) {
      problems.push({ code: 'KP_ERR_POLICY_PARAMS', message: `parameters rejected: ${errorMessage(err)}`, path: `policies.${id}.parameters`, file: registered.source.file });
      continue;
    }
    policies.set(id, Object.freeze({
      registered,
      id,
      params: deepFreeze(params),
      ...(settings.exemptions ? { exemptions: settings.exemptions } : {}),
      onError: settings.onError ?? meta.onError ?? pc.evaluation.onError,
    }));
  }

  const enabled: { id: string; action: Action }[] = [];
  for (const [id, registered] of registry.policies) {
    const settings = pc.policies[id];
    const inProfile = profile?.get(id);
    const on = settings?.enabled ?? (inProfile !== undefined || settings?.action !== undefined);
    if (!on || !policies.has(id)) continue;
    enabled.push({ id, action: settings?.action ?? inProfile ?? registered.policy.defaultAction });
  }

  if (problems.length > 0 || !pssVersion) return { problems };
  const labelPrefixes = pc.namespaceLabels.podSecurityLabels ? [pc.namespaceLabels.prefix, 'pod-security.kubernetes.io'] : [pc.namespaceLabels.prefix];
  return {
    problems,
    config: Object.freeze({ mode: pc.mode, pssVersion, policies, enabled: Object.freeze(enabled), exemptions: Object.freeze([{ exemptions: pc.exemptions }, ...(options.ownExemptions ? [options.ownExemptions] : [])]), labelPrefixes, timeoutMs: pc.evaluation.timeoutMs, ignoreAnnotations: pc.ignoreAnnotations?.allow ?? 'warn-only' }),
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
