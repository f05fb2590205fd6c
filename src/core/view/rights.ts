/**
 * Effective RBAC rights in the cluster view: which roles a binding reaches, which rules an aggregated
 * ClusterRole carries, which bindings name a subject. Mechanics only, as the RBAC authorizer applies
 * them; which rights are dangerous is the policies' business.
 */
import { matchesSelector } from '../selectors.js';
import { grantsOf, serviceAccountOf, type Permission } from '../subjects/rbac.js';
import { describeObject, describeSubject, subjectKey } from './ids.js';
import type { BindingSummary, EffectiveGrant, GrantQuery, RoleSummary, RuleSource, SubjectRef } from './types.js';

// join() gives one flat string; a template literal's rope would be kept as its pieces by the index maps.
const roleKey = (kind: string, namespace: string, name: string): string => [kind, kind === 'Role' ? namespace : '', name].join('/');

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class RbacIndex {
  private readonly roles = new Map<string, RoleSummary>();
  private readonly sources = new Map<RoleSummary, readonly RuleSource[]>();
  private readonly into = new Map<RoleSummary, RoleSummary[]>();
  private readonly boundBy = new Map<string, BindingSummary[]>();
  private readonly bySubject = new Map<string, { binding: BindingSummary; subject: SubjectRef }[]>();
  readonly subjects: readonly SubjectRef[];

  constructor(roles: readonly RoleSummary[], bindings: readonly BindingSummary[]) {
    for (const r of roles) this.roles.set(roleKey(r.kind, r.namespace, r.name), r);
    const clusterRoles = roles.filter((r) => r.kind === 'ClusterRole');
    for (const agg of clusterRoles) {
      if (agg.aggregationSelectors === undefined) continue;
      for (const r of clusterRoles) {
        if (r !== agg && agg.aggregationSelectors.some((s) => matchesSelector(s, r.labels))) push(this.into, r, agg);
      }
    }
    for (const r of roles) this.sources.set(r, Object.freeze(this.resolve(r, new Set())));
    const subjects: SubjectRef[] = [];
    for (const b of bindings) {
      const target = this.roleOf(b);
      if (target !== undefined) push(this.boundBy, roleKey(target.kind, target.namespace, target.name), b);
      for (const s of b.subjects) {
        const ref = subjectRefOf(s);
        if (ref === undefined) continue;
        const key = subjectKey(ref);
        let list = this.bySubject.get(key);
        if (list === undefined) {
          this.bySubject.set(key, (list = []));
          subjects.push(Object.freeze(ref));
        }
        list.push({ binding: b, subject: ref });
      }
    }
    this.subjects = Object.freeze(subjects);
  }

  /** The role a binding refers to: a Role in the binding's namespace, or a ClusterRole. A ClusterRoleBinding cannot refer to a Role. */
  roleOf(b: BindingSummary): RoleSummary | undefined {
    const { kind, name } = b.roleRef;
    if (kind === 'ClusterRole') return this.roles.get(roleKey('ClusterRole', '', name));
    if (kind === 'Role' && b.kind === 'RoleBinding') return this.roles.get(roleKey('Role', b.namespace, name));
    return undefined;
  }

  ruleSources(role: RoleSummary): readonly RuleSource[] {
    return this.sources.get(role) ?? Object.freeze(this.resolve(role, new Set()));
  }

  aggregatedInto(role: RoleSummary): readonly RoleSummary[] {
    return this.into.get(role) ?? [];
  }

  bindingsOf(role: RoleSummary): readonly BindingSummary[] {
    return this.boundBy.get(roleKey(role.kind, role.namespace, role.name)) ?? [];
  }

  /**
   * Rules of a role. An aggregated ClusterRole's rules come from the roles it selects (first, so that
   * evidence names where a rule was written) and then its own `rules`, which in a live cluster are the
   * aggregation controller's copies and in manifests are usually empty. Cycles end at the first repeat.
   */
  private resolve(role: RoleSummary, seen: Set<RoleSummary>): RuleSource[] {
    seen.add(role);
    const out: RuleSource[] = [];
    if (role.aggregationSelectors !== undefined) {
      for (const [from, aggs] of this.into) {
        if (!aggs.includes(role) || seen.has(from)) continue;
        for (const s of this.resolve(from, seen)) out.push({ rule: s.rule, source: s.source, via: [from, ...s.via].filter((r) => r !== s.source) });
      }
    }
    for (const rule of role.rules) out.push({ rule, source: role, via: [] });
    return out;
  }

  bindingsFor(subject: SubjectRef, query: GrantQuery = {}): { binding: BindingSummary; subject: SubjectRef }[] {
    const keys = [subjectKey(subject), ...(query.viaGroups ? implicitGroups(subject).map((g) => subjectKey({ kind: 'Group', name: g })) : [])];
    const out: { binding: BindingSummary; subject: SubjectRef }[] = [];
    for (const key of keys) for (const entry of this.bySubject.get(key) ?? []) if (!query.skipBinding?.(entry.binding)) out.push(entry);
    return out;
  }

  grantsFor(subject: SubjectRef, permissions: readonly Permission[], query: GrantQuery = {}): EffectiveGrant[] {
    const out: EffectiveGrant[] = [];
    const asked = subjectKey(subject);
    for (const { binding, subject: named } of this.bindingsFor(subject, query)) {
      const viaGroup = subjectKey(named) !== asked;
      const role = this.roleOf(binding);
      if (role === undefined) continue;
      const scope: EffectiveGrant['scope'] = binding.kind === 'ClusterRoleBinding' ? 'cluster' : { namespace: binding.namespace };
      for (const source of this.ruleSources(role)) {
        for (const permission of permissions) for (const grant of grantsOf(source.rule, permission)) out.push({ grant, subject: named, viaGroup, binding, role, source, scope });
      }
    }
    return out;
  }
}

/** A binding's subject entry as a subject; the `system:serviceaccount:ns:name` user is that service account. */
export function subjectRefOf(s: { kind: string; name: string; namespace: string }): SubjectRef | undefined {
  if (s.name === '') return undefined;
  const sa = serviceAccountOf({ ...s, index: 0, path: [] });
  if (sa !== undefined) return { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name };
  if (s.kind === 'User' || s.kind === 'Group') return { kind: s.kind, name: s.name };
  return undefined;
}

/** The groups the authenticator puts every such identity in. */
export function implicitGroups(subject: SubjectRef): string[] {
  if (subject.kind === 'ServiceAccount') return ['system:serviceaccounts', `system:serviceaccounts:${subject.namespace ?? ''}`, 'system:authenticated'];
  if (subject.kind === 'User') return subject.name === 'system:anonymous' ? ['system:unauthenticated'] : ['system:authenticated'];
  return [];
}

/**
 * One line of evidence for a grant, quoting the rule's own entries that grant it:
 * `ClusterRoleBinding "ops" -> ClusterRole "monitoring" (aggregated from ClusterRole "extra") -> rules[0]: "*" on "*" in API group "*" cluster-wide`.
 */
export function describeGrantChain(g: EffectiveGrant): string {
  const via = g.source.source !== g.role ? ` (aggregated from ${[...g.source.via.slice(0, 3), g.source.source].map((r) => describeObject(r.id)).join(' <- ')})` : '';
  const group = g.grant.apiGroup.value === '' ? '' : ` in API group ${JSON.stringify(g.grant.apiGroup.value)}`;
  const named = g.grant.named ? ' (named objects only)' : '';
  const where = g.scope === 'cluster' ? 'cluster-wide' : `in namespace ${JSON.stringify(g.scope.namespace)}`;
  const who = g.viaGroup ? `through ${describeSubject(g.subject)}: ` : '';
  return `${who}${describeObject(g.binding.id)} -> ${describeObject(g.role.id)}${via} -> rules[${g.source.rule.index}]: ${JSON.stringify(g.grant.verb.value)} on ${JSON.stringify(g.grant.resource.value)}${group}${named} ${where}`;
}
