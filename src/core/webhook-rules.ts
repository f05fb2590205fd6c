import type { EngineConfig } from './engine-config.js';
import { KNOWN_KINDS, POD_KINDS, lookupKind, type KnownKind } from './kinds.js';
import type { Registry } from './registry.js';
import type { Action, Operation } from './types.js';

/** One entry of a ValidatingWebhookConfiguration's `rules`. */
export interface WebhookRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: Operation[];
  resources: string[];
  scope: 'Namespaced' | 'Cluster' | '*';
}

export interface RulesOptions {
  /** Only policies whose action is one of these (e.g. ['deny'] for the fail-closed webhook). */
  actions?: readonly Action[];
  /**
   * Include the Pod Security Standards checks that namespace labels can switch on even when the
   * configuration does not enable them (default true: labels must work without a redeploy).
   */
  includeLabelPolicies?: boolean;
}

/**
 * The admission rules for exactly the kinds that enabled policies inspect, never `*`. The webhook
 * configuration in the chart, the plain manifests and the end-to-end suite are all generated from this.
 */
export function webhookRules(registry: Registry, config: EngineConfig, options: RulesOptions = {}): WebhookRule[] {
  const wanted = inspectedKinds(registry, config, options);
  // Group resources of one API group that share operations and scope into one rule, in a stable order.
  const groups = new Map<string, WebhookRule>();
  for (const w of wanted) {
    const operations = (['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const).filter((o) => w.operations.has(o));
    if (operations.length === 0) continue;
    const scope = w.kind.namespaced ? 'Namespaced' : 'Cluster';
    const key = `${w.kind.group}|${operations.join(',')}|${scope}`;
    let rule = groups.get(key);
    if (!rule) groups.set(key, (rule = { apiGroups: [w.kind.group], apiVersions: [...w.kind.versions], operations: [...operations], resources: [], scope }));
    rule.resources.push(w.kind.resource, ...[...w.subResources].sort().map((s) => `${w.kind.resource}/${s}`));
    for (const v of w.kind.versions) if (!rule.apiVersions.includes(v)) rule.apiVersions.push(v);
  }
  return [...groups.values()];
}

/** A kind that enabled policies inspect, with the operations and sub-resources they look at. */
export interface InspectedKind {
  kind: KnownKind;
  operations: Set<Operation>;
  subResources: Set<string>;
}

/**
 * Exactly the kinds that enabled policies inspect, in KNOWN_KINDS order: what the webhook intercepts
 * and what a live scan lists.
 */
export function inspectedKinds(registry: Registry, config: EngineConfig, options: RulesOptions = {}): InspectedKind[] {
  const wanted = new Map<string, InspectedKind>();
  const add = (kind: KnownKind, operations: readonly Operation[], subResources: readonly string[]) => {
    let w = wanted.get(kind.resource + '.' + kind.group);
    if (!w) wanted.set(kind.resource + '.' + kind.group, (w = { kind, operations: new Set(), subResources: new Set() }));
    for (const op of operations) w.operations.add(op);
    for (const s of subResources) w.subResources.add(s);
  };
  const actionOk = (a: Action) => options.actions === undefined || options.actions.includes(a);
  const inspect = (id: string) => {
    const r = registry.policies.get(id);
    if (!r) return;
    if (r.policy.target === 'pod') {
      // Pod rules never see DELETE or CONNECT; the ephemeral containers sub-resource is a pod update.
      const ops = r.operations.filter((o) => o === 'CREATE' || o === 'UPDATE');
      for (const k of POD_KINDS) add(k, ops, k.kind === 'Pod' ? ['ephemeralcontainers'] : []);
    } else {
      for (const gk of r.kinds) {
        const k = lookupKind(gk);
        if (k) add(k, r.operations, r.subResources);
      }
    }
  };
  for (const { id, action } of config.enabled) if (actionOk(action)) inspect(id);
  if (options.includeLabelPolicies !== false) {
    // Namespace labels can enable any PSS check at any mode, so pod kinds must be intercepted.
    for (const r of registry.policies.values()) if (r.policy.pss) inspect(r.policy.id);
  }
  const order = new Map(KNOWN_KINDS.map((k, i) => [k.resource + '.' + k.group, i]));
  return [...wanted.entries()].sort((a, b) => (order.get(a[0]) ?? 0) - (order.get(b[0]) ?? 0)).map(([, w]) => w);
}
