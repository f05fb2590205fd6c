import {
  defineObjectPolicy, effectivePolicyTypes, ipBlockAdmits, ipBlockOf, isEmptyPeer, networkRulesOf, parseAddress, rulePortsInclude, type Violation,
} from '../../../src/sdk.js';

interface Params { metadataAddresses: string[]; metadataPorts: number[] }

const DEFAULT_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '169.254.170.23', 'fd00:ec2::23', '100.100.100.200'];

export default defineObjectPolicy<Params>({
  id: 'netpol-no-metadata-egress',
  title: 'NetworkPolicy egress must not reach cloud metadata endpoints',
  description:
    'Flags egress rules that admit traffic to a cloud metadata address (default: 169.254.169.254 and fd00:ec2::254 for AWS, GCP, Azure and others, the EKS Pod Identity agent 169.254.170.23 and fd00:ec2::23, and 100.100.100.200 for Alibaba Cloud) on a metadata port (default TCP 80): ' +
    'a rule with no `to`, an empty peer `{}`, or an ipBlock whose cidr contains the address with no `except` that contains it. Containment is computed on real CIDRs, IPv4 and IPv6 (IPv6 ranges never contain IPv4 addresses). ' +
    'The metadata endpoint hands out the node\'s cloud credentials. Pod and namespace selectors never match the metadata endpoint, and named ports are taken to name pod ports only. Rules of a policy whose policyTypes leave out Egress are ignored.',
  severity: 'high',
  category: 'network',
  controls: ['cis-k8s:5.3.2', 'nsa:network-separation', 'mitre:T1552.005'],
  remediation: 'Add the metadata addresses to the ipBlock\'s except (e.g. except: ["169.254.169.254/32"], and "fd00:ec2::254/128" in an IPv6 block), or give the rule destinations that do not include them.',
  defaultAction: 'warn',
  recommended: 'warn',
  match: { kinds: ['NetworkPolicy.networking.k8s.io'] },
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      metadataAddresses: { type: 'array', items: { type: 'string', minLength: 1 }, default: DEFAULT_ADDRESSES, description: 'IPv4 or IPv6 addresses of metadata endpoints.' },
      metadataPorts: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, default: [80], description: 'TCP ports the metadata endpoints listen on.' },
    },
  },
  prepare(params) {
    const bad = (Array.isArray(params.metadataAddresses) ? params.metadataAddresses : []).filter((a) => parseAddress(a) === undefined);
    if (bad.length > 0) throw new Error(`metadataAddresses: not an IP address: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  },
  check(object, ctx) {
    if (!effectivePolicyTypes(object).types.has('Egress')) return [];
    const addresses = (Array.isArray(ctx.params.metadataAddresses) ? ctx.params.metadataAddresses : DEFAULT_ADDRESSES).filter((a) => parseAddress(a) !== undefined);
    const ports = Array.isArray(ctx.params.metadataPorts) ? ctx.params.metadataPorts : [80];
    const out: Violation[] = [];
    for (const rule of networkRulesOf(object, 'egress')) {
      if (!ports.some((port) => rulePortsInclude(rule, 'TCP', port))) continue;
      if (rule.allPeers) {
        out.push({ path: rule.path, message: `egress rule has no "to", so it reaches the cloud metadata endpoint (${addresses.join(', ')}); name the destinations, or use an ipBlock whose except covers the metadata addresses` });
        continue;
      }
      for (const p of rule.peers) {
        if (isEmptyPeer(p.peer)) {
          out.push({ path: p.path, message: `empty peer {} reaches the cloud metadata endpoint (${addresses.join(', ')}); name the destinations instead` });
          continue;
        }
        const block = ipBlockOf(p.peer);
        if (block === undefined) continue;
        const reached = addresses.filter((a) => ipBlockAdmits(block, a));
        if (reached.length === 0) continue;
        out.push({
          path: [...p.path, 'ipBlock', 'cidr'],
          message: `ipBlock ${JSON.stringify(block.cidr)} reaches the cloud metadata address${reached.length > 1 ? 'es' : ''} ${reached.join(', ')}; add ${reached.map((a) => JSON.stringify(a.includes(':') ? `${a}/128` : `${a}/32`)).join(', ')} to except`,
          value: block.cidr,
        });
      }
    }
    return out;
  },
});
