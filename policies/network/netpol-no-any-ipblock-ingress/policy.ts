import { coversAllAddresses, defineObjectPolicy, effectivePolicyTypes, ipBlockOf, networkRulesOf, type Violation } from '../../../src/sdk.js';

export default defineObjectPolicy({
  id: 'netpol-no-any-ipblock-ingress',
  title: 'NetworkPolicy ingress must not admit every address by ipBlock',
  description:
    'Flags ingress peers whose ipBlock.cidr covers a whole address family (0.0.0.0/0, ::/0, or any other spelling of a /0) and has no `except`. ' +
    'Such a peer admits the whole internet as well as every address inside the cluster that the data plane treats as external. ' +
    'Allowed: specific CIDRs, and /0 ranges that carve out internal ranges with except. Rules of a policy whose policyTypes leave out Ingress are ignored.',
  severity: 'high',
  category: 'network',
  controls: ['cis-k8s:5.3.2', 'nsa:network-separation', 'mitre:T1190'],
  remediation: 'Replace the /0 range with the CIDRs of the real clients (load balancer, office or partner ranges), or add `except` for the ranges that must not reach the pods.',
  defaultAction: 'warn',
  recommended: 'warn',
  match: { kinds: ['NetworkPolicy.networking.k8s.io'] },
  check(object) {
    if (!effectivePolicyTypes(object).types.has('Ingress')) return [];
    const out: Violation[] = [];
    for (const rule of networkRulesOf(object, 'ingress')) {
      for (const p of rule.peers) {
        const block = ipBlockOf(p.peer);
        if (block === undefined || !coversAllAddresses(block.cidr) || block.except.length > 0) continue;
        out.push({
          path: [...p.path, 'ipBlock', 'cidr'],
          message: `ipBlock ${JSON.stringify(block.cidr)} admits every ${block.cidr?.includes(':') ? 'IPv6' : 'IPv4'} address with no except; name the client CIDRs, or add except for the ranges that must not connect`,
          value: block.cidr,
        });
      }
    }
    return out;
  },
});
