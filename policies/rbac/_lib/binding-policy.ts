import {
  asString, defineObjectPolicy, getIn, roleRefOf, subjectsOf,
  type ObjectPolicy, type PolicyMetadata, type RoleRefView, type SubjectView, type Violation,
} from '../../../src/sdk.js';
import { SYSTEM_EXEMPTION_PARAMETERS, isExemptRbacObject, type SystemExemptionParams } from './system-exemption.js';
import { BINDING_KINDS } from './rule-policy.js';

/** What a binding policy sees: the binding's kind and namespace, its roleRef and its subjects. */
export interface BindingView {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace: string;
  roleRef: RoleRefView;
  subjects: SubjectView[];
}

export type BindingPolicySpec<P> = Omit<PolicyMetadata, 'category' | 'parameters' | 'prepare'> & {
  parameters?: Record<string, unknown>;
  checkBinding: (binding: BindingView, params: P & SystemExemptionParams) => Violation[];
};

/** A policy over RoleBindings and ClusterRoleBindings, with the same system exemptions as the role policies. */
export function defineBindingPolicy<P = Record<string, unknown>>(spec: BindingPolicySpec<P>): ObjectPolicy<P & SystemExemptionParams> {
  const { checkBinding, parameters, ...meta } = spec;
  return defineObjectPolicy<P & SystemExemptionParams>({
    ...meta,
    category: 'rbac',
    match: { kinds: BINDING_KINDS },
    parameters: { type: 'object', additionalProperties: false, properties: { ...SYSTEM_EXEMPTION_PARAMETERS, ...(parameters ?? {}) } },
    check(object, ctx) {
      if (isExemptRbacObject(object, ctx.params, ctx.input.userInfo)) return [];
      const kind = asString(object.kind) === 'ClusterRoleBinding' ? 'ClusterRoleBinding' : 'RoleBinding';
      return checkBinding({
        kind,
        name: asString(getIn(object, ['metadata', 'name'])) ?? '',
        namespace: asString(getIn(object, ['metadata', 'namespace'])) ?? '',
        roleRef: roleRefOf(object),
        subjects: subjectsOf(object),
      }, ctx.params);
    },
  });
}

/** `Group "system:masters"` */
export function describeSubject(s: SubjectView): string {
  return `${s.kind || 'subject'} ${JSON.stringify(s.name)}`;
}

/** Where the binding's rights apply, for messages. */
export function scopeOf(b: BindingView): string {
  return b.kind === 'ClusterRoleBinding' ? 'across the whole cluster' : `in namespace ${JSON.stringify(b.namespace || '(unset)')}`;
}

/** Findings for subjects that are one of the given identities. */
export function subjectFindings(b: BindingView, match: (s: SubjectView) => string | undefined): Violation[] {
  const out: Violation[] = [];
  for (const s of b.subjects) {
    const why = match(s);
    if (why !== undefined) out.push({ path: [...s.path, 'name'], message: why, value: s.name });
  }
  return out;
}
