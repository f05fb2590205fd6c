import { defineObjectPolicy, openPeersOf } from '../../../src/sdk.js';

export default defineObjectPolicy<{ allowedPorts: number[] }>({
  id: 'netpol-no-allow-all-egress',
  title: 'NetworkPolicy egress rules should name their destinations',
  description:
    'Flags egress rules of a NetworkPolicy that admit every destination: a rule with no `to` or an empty `to` list (e.g. `egress: [{}]`), and an empty peer `{}` in `to`, ' +
    'unless every port of the rule is in allowedPorts (default 53, so the usual "DNS anywhere" rule passes). ' +
    'Such a rule lets the pods reach any pod, the node, cloud metadata endpoints and the internet. Rules of a policy whose policyTypes leave out Egress are ignored, as by Kubernetes.',
  severity: 'medium',
  category: 'network',
  controls: ['cis-k8s:5.3.2', 'nsa:network-separation', 'mitre:T1041'],
  remediation: 'Add a `to` list naming the allowed destinations (podSelector, namespaceSelector, or ipBlock with except for external ranges), or limit the rule to the ports in allowedPorts.',
  defaultAction: 'warn',
  recommended: 'warn',
  match: { kinds: ['NetworkPolicy.networking.k8s.io'] },
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      allowedPorts: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, default: [53], description: 'Ports that may go to every destination (DNS by default).' },
    },
  },
  check(object, ctx) {
    const allowed = Array.isArray(ctx.params.allowedPorts) ? ctx.params.allowedPorts : [53];
    return openPeersOf(object, 'egress', allowed).map(({ rule, peer }) => {
      const ports = rule.allPorts ? 'on every port' : 'on the listed ports';
      return peer === undefined
        ? { path: rule.path, message: `egress rule has no "to": it admits every destination, the internet and cloud metadata included, ${ports}; list the allowed pods, namespaces or CIDRs in "to"` }
        : { path: peer.path, message: `empty peer {} admits every destination ${ports}; a peer must name a podSelector, namespaceSelector or ipBlock` };
    });
  },
});
