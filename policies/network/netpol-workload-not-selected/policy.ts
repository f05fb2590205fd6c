import { WORKLOAD_KINDS, defineClusterPolicy, describeObject, type ClusterViolation, type PolicyType } from '../../../src/sdk.js';
import { IGNORED_NAMESPACES_PARAMETER } from '../_lib/cluster.js';

interface Params {
  directions: PolicyType[];
  includeNamespacesWithoutPolicies: boolean;
  ignoredNamespaces: string[];
}

const OPEN: Record<PolicyType, string> = {
  Ingress: 'they accept traffic from every source',
  Egress: 'they may connect anywhere',
};

/**
 * A pod is isolated for ingress (egress) only when some NetworkPolicy of its namespace selects it with
 * that policy type. A namespace that has policies but none for some pods is the classic gap: a label
 * typo in podSelector, or a workload added after the policies were written. Namespaces with no policy
 * at all are netpol-namespace-without-policy's finding, so by default they are not repeated here.
 */
export default defineClusterPolicy<Params>({
  id: 'netpol-workload-not-selected',
  title: 'Workloads should be selected by a NetworkPolicy',
  description:
    'Flags workloads whose pods no NetworkPolicy of their namespace selects for the directions in `directions` (default Ingress; add Egress to require egress isolation too), ' +
    'matching each policy\'s podSelector against the pod template\'s labels and honouring its policyTypes. Host-network pods are left out, as NetworkPolicies do not isolate them. ' +
    'By default only namespaces that have at least one NetworkPolicy are judged (includeNamespacesWithoutPolicies), since netpol-namespace-without-policy reports the others; ' +
    'the namespaces in ignoredNamespaces are not judged.',
  severity: 'medium',
  category: 'network',
  controls: ['cis-k8s:5.3.2', 'nsa:network-separation', 'mitre:T1046'],
  remediation: 'Give the pods labels that an existing NetworkPolicy selects, or add a NetworkPolicy (or a namespace-wide default deny) that selects them for the direction reported.',
  defaultAction: 'warn',
  recommended: 'warn',
  viewKinds: ['NetworkPolicy.networking.k8s.io', ...WORKLOAD_KINDS],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      directions: { type: 'array', items: { enum: ['Ingress', 'Egress'] }, minItems: 1, uniqueItems: true, default: ['Ingress'], description: 'Directions every pod must be isolated in.' },
      includeNamespacesWithoutPolicies: { type: 'boolean', default: false, description: 'Also report the workloads of namespaces that have no NetworkPolicy at all.' },
      ignoredNamespaces: IGNORED_NAMESPACES_PARAMETER,
    },
  },
  check(view, ctx) {
    if (!view.complete('NetworkPolicy.networking.k8s.io')) return [];
    const directions = Array.isArray(ctx.params.directions) ? ctx.params.directions : ['Ingress' as const];
    const ignored = Array.isArray(ctx.params.ignoredNamespaces) ? ctx.params.ignoredNamespaces : [];
    const out: ClusterViolation[] = [];
    for (const w of view.workloads()) {
      if (w.hostNetwork || ignored.includes(w.namespace)) continue;
      const policies = view.networkPoliciesIn(w.namespace);
      if (policies.length === 0 && ctx.params.includeNamespacesWithoutPolicies !== true) continue;
      for (const direction of directions) {
        if (view.policiesSelecting(w, direction).length > 0) continue;
        const others = policies.slice(0, 5).map((p) => `${describeObject(p.id)} (${p.policyTypes.join(', ') || 'no types'}) selects other pods or another direction`);
        out.push({
          object: w.id,
          path: [...w.podPath, 'metadata', 'labels'],
          message: `no NetworkPolicy selects the pods of ${w.kind} ${JSON.stringify(w.name)} for ${direction.toLowerCase()}: ${OPEN[direction]}; label them for an existing policy or add one that selects them`,
          evidence: policies.length === 0 ? [`namespace ${JSON.stringify(w.namespace)} has no NetworkPolicy`] : others,
        });
      }
    }
    return out;
  },
});
