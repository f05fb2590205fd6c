import t from 'tap';
import {
  cidrContains, coversAllAddresses, effectivePolicyTypes, ipBlockAdmits, ipBlockOf, isEmptyPeer, networkRulesOf, openPeersOf,
  parseAddress, parseCidr, rulePortsInclude, rulePortsWithin, selectsAllPods,
} from './network.js';
import { isEmptySelector } from '../selectors.js';

t.test('IPv4 containment', async (t) => {
  t.ok(cidrContains('0.0.0.0/0', '169.254.169.254'));
  t.ok(cidrContains('169.254.0.0/16', '169.254.169.254'));
  t.ok(cidrContains('169.254.169.254/32', '169.254.169.254'));
  t.notOk(cidrContains('169.254.169.255/32', '169.254.169.254'));
  t.ok(cidrContains('128.0.0.0/1', '169.254.169.254'), 'upper half of the internet');
  t.notOk(cidrContains('0.0.0.0/1', '169.254.169.254'), 'lower half');
  t.ok(cidrContains('0.0.0.0/1', '100.100.100.200'));
  t.notOk(cidrContains('10.0.0.0/8', '169.254.169.254'));
  t.ok(cidrContains('169.254.169.0/16', '169.254.1.1'), 'host bits in the range are ignored, as the prefix decides');
});

t.test('IPv6 containment, families never mix', async (t) => {
  t.ok(cidrContains('::/0', 'fd00:ec2::254'));
  t.ok(cidrContains('fd00::/8', 'fd00:ec2::254'));
  t.ok(cidrContains('fd00:ec2::/32', 'fd00:ec2::254'));
  t.ok(cidrContains('fd00:ec2:0:0::254/128', 'fd00:ec2::254'), 'different spellings of one address');
  t.notOk(cidrContains('fd00:ec3::/32', 'fd00:ec2::254'));
  t.notOk(cidrContains('fe80::/10', 'fd00:ec2::254'));
  t.notOk(cidrContains('::/0', '169.254.169.254'), 'an IPv6 range does not contain an IPv4 address');
  t.notOk(cidrContains('0.0.0.0/0', 'fd00:ec2::254'), 'nor the other way round');
});

t.test('parsing follows Kubernetes and rejects junk', async (t) => {
  t.equal(parseCidr('010.000.0.0/8')?.address.toString(), '10.0.0.0', 'leading zeros are decimal, not octal');
  t.equal(parseAddress('0x7f.0.0.1'), undefined, 'hex is not an IPv4 address in Kubernetes');
  t.equal(parseAddress('127.1'), undefined, 'nor is a shortened form');
  t.equal(parseAddress('256.0.0.1'), undefined);
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0.0/-1', '10.0.0.0/', 'x/8', '', 5, null, undefined, '::1/8x']) {
    t.equal(parseCidr(bad), undefined, `parseCidr(${JSON.stringify(bad)})`);
    t.notOk(cidrContains(bad as string, '10.0.0.1'));
  }
  t.ok(coversAllAddresses('0.0.0.0/0'));
  t.ok(coversAllAddresses('::/0'));
  t.ok(coversAllAddresses('10.1.2.3/0'), 'any /0 is everything');
  t.notOk(coversAllAddresses('0.0.0.0/1'));
  t.notOk(coversAllAddresses('garbage'));
});

t.test('ipBlock with except', async (t) => {
  const block = ipBlockOf({ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', 42, '169.254.0.0/16'] } })!;
  t.same(block.except.map((e) => e.index), [0, 2], 'non-string excepts are skipped but keep positions');
  t.notOk(ipBlockAdmits(block, '169.254.169.254'));
  t.ok(ipBlockAdmits(block, '100.100.100.200'));
  t.notOk(ipBlockAdmits({ cidr: '0.0.0.0/0', except: [{ value: '169.254.169.254/32', index: 0 }] }, '169.254.169.254'));
  t.ok(ipBlockAdmits({ cidr: '0.0.0.0/0', except: [{ value: '169.254.169.253/32', index: 0 }] }, '169.254.169.254'));
  t.ok(ipBlockAdmits({ cidr: '::/0', except: [{ value: '169.254.0.0/16', index: 0 }] }, 'fd00:ec2::254'), 'an IPv4 except does not cover an IPv6 address');
  t.notOk(ipBlockAdmits({ cidr: undefined, except: [] }, '1.1.1.1'));
  t.equal(ipBlockOf({ ipBlock: 'x' }), undefined);
});

t.test('rules, peers and ports', async (t) => {
  const np = {
    spec: {
      podSelector: {},
      ingress: [{}, { from: [] }, { from: [{}, 'junk', { namespaceSelector: {} }], ports: [{ port: 80 }] }, null],
      egress: [{ ports: [{ protocol: 'UDP', port: 53 }, { port: '53' }] }, { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 1, endPort: 1024 }, { port: 'http' }] }],
    },
  };
  const ingress = networkRulesOf(np, 'ingress');
  t.equal(ingress.length, 3);
  t.ok(ingress[0]!.allPeers && ingress[0]!.allPorts, 'an empty rule admits everything');
  t.ok(ingress[1]!.allPeers, 'an empty from list admits every source');
  t.same(ingress[2]!.peers.map((p) => p.path), [['spec', 'ingress', 2, 'from', 0], ['spec', 'ingress', 2, 'from', 2]]);
  t.ok(isEmptyPeer(ingress[2]!.peers[0]!.peer));
  t.ok(selectsAllPods(ingress[2]!.peers[1]!.peer));
  t.notOk(selectsAllPods({ namespaceSelector: {}, podSelector: { matchLabels: { app: 'x' } } }));
  t.notOk(selectsAllPods({ podSelector: {} }), 'no namespaceSelector means this namespace only');

  const egress = networkRulesOf(np, 'egress');
  t.ok(rulePortsWithin(egress[0]!, [53]), 'DNS only, numeric strings read as numbers');
  t.notOk(rulePortsWithin(egress[1]!, [53]));
  t.notOk(rulePortsInclude(egress[0]!, 'TCP', 80));
  t.ok(rulePortsInclude(egress[1]!, 'TCP', 80), 'inside the port range');
  t.notOk(rulePortsInclude(egress[1]!, 'TCP', 8080), 'outside the range; the named port does not match an external host');
  t.notOk(rulePortsInclude(egress[1]!, 'UDP', 80));
  t.notOk(rulePortsWithin(networkRulesOf({ spec: { egress: [{}] } }, 'egress')[0]!, [53]), 'no ports is every port');
  for (const odd of [undefined, null, 'x', { spec: 'x' }, { spec: { ingress: 'x' } }]) t.same(networkRulesOf(odd, 'ingress'), []);
});

t.test('selectors and policy types', async (t) => {
  t.ok(isEmptySelector({}));
  t.ok(isEmptySelector({ matchLabels: {}, matchExpressions: [] }));
  t.notOk(isEmptySelector(undefined), 'absent is not empty');
  t.notOk(isEmptySelector({ matchLabels: { a: 'b' } }));
  t.same([...effectivePolicyTypes({ spec: {} }).types], ['Ingress']);
  t.same([...effectivePolicyTypes({ spec: { egress: [{}] } }).types], ['Ingress', 'Egress']);
  t.same([...effectivePolicyTypes({ spec: { egress: [] } }).types], ['Ingress'], 'an empty egress list does not add Egress');
  t.same(effectivePolicyTypes({ spec: { policyTypes: ['Egress', 3] } }), { types: new Set(['Egress']), explicit: true });
});

t.test('openPeersOf: rules without peers and empty peers, unless all their ports are allowed or the direction is not in force', async (t) => {
  const np = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', spec });
  const open = np({ policyTypes: ['Ingress', 'Egress'], ingress: [{}, { from: [{ podSelector: {} }, {}] }, { ports: [{ port: 443 }] }], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] });
  t.same(openPeersOf(open, 'ingress', []).map((o) => o.peer?.path ?? o.rule.path), [['spec', 'ingress', 0], ['spec', 'ingress', 1, 'from', 1], ['spec', 'ingress', 2]]);
  t.same(openPeersOf(open, 'ingress', [443]).map((o) => o.rule.index), [0, 1], 'a peer-less rule on allowed ports only passes');
  t.same(openPeersOf(open, 'egress', [53]), [], 'DNS anywhere passes');
  t.same(openPeersOf(open, 'egress', []).map((o) => o.rule.path), [['spec', 'egress', 0]]);
  t.same(openPeersOf(np({ policyTypes: ['Ingress'], egress: [{}] }), 'egress', []), [], 'egress rules are ignored when policyTypes leave Egress out');
});
