import { defineObjectPolicy, effectivePolicyTypes, getIn, isEmptyPeer, isEmptySelector, networkRulesOf, type Direction, type Violation } from '../../../src/sdk.js';

export default defineObjectPolicy({
  id: 'netpol-empty-selector-allow-all',
  title: 'NetworkPolicies must not allow all traffic to every pod of a namespace',
  description:
    'Flags NetworkPolicies whose podSelector is empty (every pod of the namespace) and that have an ingress or egress rule admitting everything: ' +
    'no peers (or an empty peer {}) and no ports. NetworkPolicies add up, so such a policy switches off every other policy of the namespace in that direction: an allow-all in disguise. ' +
    'Allowed: default-deny policies (an empty selector with no rules), and empty-selector policies whose rules name peers or ports. ' +
    'Rules in a direction the policyTypes leave out are ignored, as by Kubernetes.',
  severity: 'high',
  category: 'network',
  controls: ['cis-k8s:5.3.2', 'nsa:network-separation', 'mitre:T1562.007'],
  remediation: 'Delete the allow-all policy, or give it a podSelector for the pods that really need open traffic and peers or ports that say what is allowed.',
  defaultAction: 'warn',
  recommended: 'warn',
  match: { kinds: ['NetworkPolicy.networking.k8s.io'] },
  check(object) {
    const selector = getIn(object, ['spec', 'podSelector']);
    // podSelector is required; an absent one is read as empty, which is what the API server would default it to.
    if (selector !== undefined && !isEmptySelector(selector)) return [];
    const { types } = effectivePolicyTypes(object);
    const out: Violation[] = [];
    for (const direction of ['ingress', 'egress'] as Direction[]) {
      if (!types.has(direction === 'ingress' ? 'Ingress' : 'Egress')) continue;
      for (const rule of networkRulesOf(object, direction)) {
        if (!rule.allPorts) continue;
        if (!rule.allPeers && !rule.peers.some((p) => isEmptyPeer(p.peer))) continue;
        out.push({
          path: rule.path,
          message: `policy selects every pod of the namespace (empty podSelector) and this ${direction} rule admits all traffic: it overrides every other NetworkPolicy of the namespace for ${direction}; name peers or ports, or select only the pods that need it`,
        });
      }
    }
    return out;
  },
});
