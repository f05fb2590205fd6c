import { defineObjectPolicy, openPeersOf } from '../../../src/sdk.js';

export default defineObjectPolicy<{ allowedPorts: number[] }>({
  id: 'netpol-no-allow-all-ingress',
  title: 'NetworkPolicy ingress rules should name their sources',
  description:
    'Flags ingress rules of a NetworkPolicy that admit every source: a rule with no `from` or an empty `from` list (e.g. `ingress: [{}]`), and an empty peer `{}` in `from`. ' +
    'Such a rule admits traffic from every pod in the cluster and from outside it. ' +
    'Allowed: rules that name pods, namespaces or CIDRs, and source-less rules limited to the ports in allowedPorts (e.g. 443 for a public endpoint). Rules of a policy whose policyTypes leave out Ingress are ignored, as by Kubernetes.',
  severity: 'high',
  category: 'network',
  controls: ['cis-k8s:5.3.2', 'nsa:network-separation', 'mitre:T1046'],
  remediation: 'Add a `from` list naming the allowed sources (podSelector, namespaceSelector, or ipBlock for external ranges), or limit the rule to the public ports in allowedPorts.',
  defaultAction: 'warn',
  recommended: 'warn',
  match: { kinds: ['NetworkPolicy.networking.k8s.io'] },
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      allowedPorts: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, default: [], description: 'Ports that may be open to every source (public endpoints).' },
    },
  },
  check(object, ctx) {
    const allowed = Array.isArray(ctx.params.allowedPorts) ? ctx.params.allowedPorts : [];
    return openPeersOf(object, 'ingress', allowed).map(({ rule, peer }) => {
      const ports = rule.allPorts ? 'on every port' : 'on the listed ports';
      return peer === undefined
        ? { path: rule.path, message: `ingress rule has no "from": it admits every source inside and outside the cluster ${ports}; list the allowed pods, namespaces or CIDRs in "from"` }
        : { path: peer.path, message: `empty peer {} admits every source ${ports}; a peer must name a podSelector, namespaceSelector or ipBlock` };
    });
  },
});
