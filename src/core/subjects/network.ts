import ipaddr from 'ipaddr.js';
import type { PathSegment } from '../path.js';
import { asArray, asRecord, asString, getIn, isRecord } from '../safe.js';
import { isEmptySelector } from '../selectors.js';

/**
 * Reading NetworkPolicies (networking.k8s.io/v1) for policies about what they allow.
 *
 * Semantics follow the API documentation: a rule with no `from` (`to`) or an empty list admits every
 * source (destination); a rule with no `ports` or an empty list admits every port; `policyTypes`,
 * when omitted, is Ingress plus Egress when `spec.egress` has rules. Everything is total: malformed
 * entries are skipped but keep their index, so paths point at the real position.
 */

export type Direction = 'ingress' | 'egress';
export const PEERS_FIELD: Readonly<Record<Direction, 'from' | 'to'>> = { ingress: 'from', egress: 'to' };

export interface PeerView {
  index: number;
  path: PathSegment[];
  peer: Record<string, unknown>;
}

export interface PortView {
  index: number;
  protocol: string;
  /** A number, a named port, or undefined for every port. */
  port: number | string | undefined;
  endPort: number | undefined;
}

export interface NetworkRuleView {
  direction: Direction;
  index: number;
  /** ['spec', 'ingress' | 'egress', index] */
  path: PathSegment[];
  /** True when the rule names no peers at all, which admits every source or destination. */
  allPeers: boolean;
  peers: PeerView[];
  /** True when the rule names no ports, which admits every port. */
  allPorts: boolean;
  ports: PortView[];
}

function portOf(value: unknown): number | string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && value !== '') return /^[0-9]+$/.test(value) ? Number(value) : value;
  return undefined;
}

export function networkRulesOf(object: unknown, direction: Direction): NetworkRuleView[] {
  const out: NetworkRuleView[] = [];
  asArray(getIn(object, ['spec', direction])).forEach((rule, index) => {
    if (!isRecord(rule)) return;
    const path: PathSegment[] = ['spec', direction, index];
    const field = PEERS_FIELD[direction];
    const rawPeers = asArray(rule[field]);
    const peers: PeerView[] = [];
    rawPeers.forEach((peer, i) => {
      if (isRecord(peer)) peers.push({ index: i, path: [...path, field, i], peer });
    });
    const rawPorts = asArray(rule.ports);
    const ports: PortView[] = [];
    rawPorts.forEach((p, i) => {
      if (!isRecord(p)) return;
      const endPort = typeof p.endPort === 'number' && Number.isInteger(p.endPort) ? p.endPort : undefined;
      ports.push({ index: i, protocol: asString(p.protocol) ?? 'TCP', port: portOf(p.port), endPort });
    });
    out.push({ direction, index, path, allPeers: rawPeers.length === 0, peers, allPorts: rawPorts.length === 0, ports });
  });
  return out;
}

/** Does the rule admit traffic on `protocol`/`port`? Named ports name pod ports and never match a host outside the cluster. */
export function rulePortsInclude(rule: NetworkRuleView, protocol: string, port: number): boolean {
  if (rule.allPorts) return true;
  return rule.ports.some((p) => {
    if (p.protocol !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port !== 'number') return false;
    return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
  });
}

/** Is every port the rule admits one of `allowed` (numbers, any protocol)? False for rules that admit every port. */
export function rulePortsWithin(rule: NetworkRuleView, allowed: readonly number[]): boolean {
  if (rule.allPorts || rule.ports.length === 0) return false;
  return rule.ports.every((p) => typeof p.port === 'number' && (p.endPort === undefined || p.endPort === p.port) && allowed.includes(p.port));
}

/** A rule of `direction` that admits every peer (`peer` absent: the rule names none), or one empty peer `{}` of it. */
export interface OpenPeer {
  rule: NetworkRuleView;
  peer?: PeerView;
}

/**
 * Where rules of `direction` admit every source or destination: rules that name no peers and empty
 * peers `{}`, unless every port of the rule is in `allowed`. Nothing when the policy's types leave the
 * direction out, as Kubernetes ignores those rules.
 */
export function openPeersOf(object: unknown, direction: Direction, allowed: readonly number[]): OpenPeer[] {
  if (!effectivePolicyTypes(object).types.has(direction === 'ingress' ? 'Ingress' : 'Egress')) return [];
  const out: OpenPeer[] = [];
  for (const rule of networkRulesOf(object, direction)) {
    if (rulePortsWithin(rule, allowed)) continue;
    if (rule.allPeers) out.push({ rule });
    else for (const peer of rule.peers) if (isEmptyPeer(peer.peer)) out.push({ rule, peer });
  }
  return out;
}

/** A peer with none of podSelector, namespaceSelector or ipBlock. The API rejects it; manifests have it. */
export function isEmptyPeer(peer: Record<string, unknown>): boolean {
  return peer.podSelector === undefined && peer.namespaceSelector === undefined && peer.ipBlock === undefined;
}

/** `namespaceSelector: {}` with no pod restriction: every pod in every namespace. */
export function selectsAllPods(peer: Record<string, unknown>): boolean {
  return isEmptySelector(peer.namespaceSelector) && (peer.podSelector === undefined || isEmptySelector(peer.podSelector));
}

/** The effective policy types: as listed, or Ingress plus Egress when egress rules exist. */
export function effectivePolicyTypes(object: unknown): { types: Set<string>; explicit: boolean } {
  const listed = getIn(object, ['spec', 'policyTypes']);
  if (Array.isArray(listed)) return { types: new Set(listed.filter((t): t is string => typeof t === 'string')), explicit: true };
  const types = new Set(['Ingress']);
  if (asArray(getIn(object, ['spec', 'egress'])).length > 0) types.add('Egress');
  return { types, explicit: false };
}

// ---------------------------------------------------------------------------------------------
// Addresses and CIDRs (ipaddr.js does the arithmetic)

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Kubernetes parses IPv4 the "sloppy" way (leading zeros are decimal: 010 is 10), while ipaddr.js
 * would read them as octal. Dotted quads are therefore rewritten to plain decimal first; other
 * IPv4 spellings (hex, fewer parts) are not valid in Kubernetes and are rejected.
 */
function normalizeV4(text: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  const parts = m.slice(1).map((p) => Number.parseInt(p, 10));
  return parts.every((p) => p <= 255) ? parts.join('.') : undefined;
}

export function parseAddress(text: unknown): Address | undefined {
  if (typeof text !== 'string') return undefined;
  const s = text.trim();
  try {
    if (s.includes(':')) return ipaddr.IPv6.isValid(s) ? ipaddr.IPv6.parse(s) : undefined;
    const v4 = normalizeV4(s);
    return v4 === undefined ? undefined : ipaddr.IPv4.parse(v4);
  } catch {
    return undefined;
  }
}

export interface Cidr { address: Address; prefix: number }

export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const address = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1).trim();
  if (address === undefined || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > (address.kind() === 'ipv4' ? 32 : 128)) return undefined;
  return { address, prefix };
}

function isCidr(value: unknown): value is Cidr {
  return isRecord(value) && (value.address instanceof ipaddr.IPv4 || value.address instanceof ipaddr.IPv6) && typeof value.prefix === 'number';
}

/**
 * Is `address` inside `cidr`? Families never mix: an IPv6 range (even ::/0) does not contain an IPv4
 * address, as a dual-stack data plane keeps the two apart. Unparsable input contains nothing.
 */
export function cidrContains(cidr: Cidr | string, address: Address | string): boolean {
  // Total on any input: a value that is neither text nor a parsed range/address contains nothing.
  const range = typeof cidr === 'string' ? parseCidr(cidr) : isCidr(cidr) ? cidr : undefined;
  const addr = typeof address === 'string' ? parseAddress(address) : address instanceof ipaddr.IPv4 || address instanceof ipaddr.IPv6 ? address : undefined;
  if (range === undefined || addr === undefined || range.address.kind() !== addr.kind()) return false;
  return addr.kind() === 'ipv4'
    ? (addr as ipaddr.IPv4).match(range.address as ipaddr.IPv4, range.prefix)
    : (addr as ipaddr.IPv6).match(range.address as ipaddr.IPv6, range.prefix);
}

/** Does the range cover its whole address family (0.0.0.0/0, ::/0)? */
export function coversAllAddresses(cidr: unknown): boolean {
  return parseCidr(cidr)?.prefix === 0;
}

export interface IpBlockView { cidr: string | undefined; except: { value: string; index: number }[] }

export function ipBlockOf(peer: Record<string, unknown>): IpBlockView | undefined {
  const block = asRecord(peer.ipBlock);
  if (block === undefined) return undefined;
  const except: { value: string; index: number }[] = [];
  asArray(block.except).forEach((v, index) => {
    if (typeof v === 'string') except.push({ value: v, index });
  });
  return { cidr: asString(block.cidr), except };
}

/** Does the ipBlock admit `address`: inside `cidr` and outside every `except`? */
export function ipBlockAdmits(block: IpBlockView, address: string): boolean {
  if (block.cidr === undefined || !cidrContains(block.cidr, address)) return false;
  return !block.except.some((e) => cidrContains(e.value, address));
}
