import { RBAC_KINDS, defineClusterPolicy, type BindingSummary, type ClusterView, type ClusterViolation } from '../../../src/sdk.js';
import { CLUSTER_EXEMPTION_PARAMETERS, isExemptSummary, roleKindRef, type ClusterExemptionParams } from '../_lib/cluster-policy.js';

type Params = ClusterExemptionParams & { assumeExisting: string[] };

/** `name` or a `prefix*` pattern. */
const matchesName = (pattern: string, name: string): boolean => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name);

/**
 * A binding to a role that does not exist grants nothing today, and grants whatever a role created
 * later under that name grants: whoever may create roles in the namespace then picks the rights of the
 * binding's subjects. It is also the usual trace of a role renamed or deleted without its binding.
 */
export default defineClusterPolicy<Params>({
  id: 'rbac-binding-role-missing',
  title: 'Bindings should refer to a role that exists',
  description:
    'Flags RoleBindings and ClusterRoleBindings whose roleRef names a Role (in the binding\'s namespace) or ClusterRole the view does not hold, and ClusterRoleBindings that refer to a Role, which Kubernetes cannot resolve. ' +
    'Only kinds the view holds in full are judged (a live scan that could not list ClusterRoles judges no ClusterRole reference). ' +
    'In `scan` the manifests given are the whole view, so ClusterRoles defined elsewhere must be listed in assumeExisting (default: the built-in cluster-admin, admin, edit, view and every system: role); a trailing * matches a prefix.',
  severity: 'low',
  category: 'rbac',
  controls: ['nsa:authentication-authorization', 'mitre:T1098'],
  remediation: 'Delete the binding, or fix roleRef to name the role that was meant; a role defined outside the scanned manifests can be listed in assumeExisting.',
  defaultAction: 'warn',
  recommended: 'warn',
  viewKinds: [...RBAC_KINDS],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...CLUSTER_EXEMPTION_PARAMETERS,
      assumeExisting: {
        type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: ['cluster-admin', 'admin', 'edit', 'view', 'system:*'],
        description: 'ClusterRoles taken to exist when the view does not hold them (the built-in ones, roles installed by other tools); "prefix*" matches a prefix.',
      },
    },
  },
  check(view, ctx) {
    const assumed = Array.isArray(ctx.params.assumeExisting) ? ctx.params.assumeExisting : [];
    const out: ClusterViolation[] = [];
    for (const b of view.bindings()) {
      if (isExemptSummary(b, ctx.params) || view.roleOf(b) !== undefined) continue;
      const problem = missing(view, b, assumed);
      if (problem !== undefined) out.push({ object: b.id, path: ['roleRef', problem.field], message: problem.message, value: problem.field === 'kind' ? b.roleRef.kind : b.roleRef.name });
    }
    return out;
  },
});

function missing(view: ClusterView, b: BindingSummary, assumed: readonly string[]): { field: 'kind' | 'name'; message: string } | undefined {
  const { kind, name } = b.roleRef;
  if (kind !== 'Role' && kind !== 'ClusterRole') return { field: 'kind', message: `roleRef.kind ${JSON.stringify(kind)} is neither Role nor ClusterRole: the binding grants nothing; fix roleRef` };
  if (kind === 'Role' && b.kind === 'ClusterRoleBinding') return { field: 'kind', message: `a ClusterRoleBinding cannot refer to a Role (${JSON.stringify(name)}): the binding grants nothing; refer to a ClusterRole or use a RoleBinding` };
  if (!view.complete(roleKindRef(kind))) return undefined;
  if (kind === 'ClusterRole' && assumed.some((p) => matchesName(p, name))) return undefined;
  const where = kind === 'Role' ? ` in namespace ${JSON.stringify(b.namespace)}` : '';
  return {
    field: 'name',
    message: `${b.kind} refers to ${kind} ${JSON.stringify(name)}${where}, which does not exist: it grants nothing now, and a role created later under that name would grant its subjects whatever that role holds; delete the binding or fix roleRef`,
  };
}
