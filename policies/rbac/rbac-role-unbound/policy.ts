import { RBAC_KINDS, defineClusterPolicy, describeObject, type ClusterViolation, type RoleSummary } from '../../../src/sdk.js';
import { CLUSTER_EXEMPTION_PARAMETERS, isExemptSummary, type ClusterExemptionParams } from '../_lib/cluster-policy.js';

const AGGREGATE_LABEL = 'rbac.authorization.k8s.io/aggregate-to-';

/** Labelled for aggregation into a role the view may not hold (admin, edit, view are not in a chart). */
function aggregatesSomewhere(role: RoleSummary): boolean {
  return Object.entries(role.labels).some(([k, v]) => k.startsWith(AGGREGATE_LABEL) && v === 'true');
}

/**
 * Hygiene: a role nobody is bound to grants nothing, but it is one more set of rights to review, and a
 * binding added later (or a typo fixed) switches it on silently. ClusterRoles that are aggregated into
 * another role are used through it; the control plane's own roles are left alone.
 */
export default defineClusterPolicy<ClusterExemptionParams>({
  id: 'rbac-role-unbound',
  title: 'Roles and ClusterRoles should be bound to someone',
  description:
    'Reports Roles no RoleBinding of their namespace refers to, and ClusterRoles no RoleBinding or ClusterRoleBinding refers to. ' +
    'ClusterRoles that an aggregated ClusterRole of the view selects, or that carry an rbac.authorization.k8s.io/aggregate-to-* label, are used through aggregation and pass. ' +
    'Judged only when the view holds every binding of the kinds that could refer to the role. The control plane\'s own roles and those in exemptNames are left out.',
  severity: 'info',
  category: 'rbac',
  controls: ['nsa:authentication-authorization'],
  remediation: 'Delete the role if nothing uses it, or bind it to the subjects that need it; list roles kept for later use in exemptNames.',
  defaultAction: 'audit',
  viewKinds: [...RBAC_KINDS],
  parameters: { type: 'object', additionalProperties: false, properties: { ...CLUSTER_EXEMPTION_PARAMETERS } },
  check(view, ctx) {
    const out: ClusterViolation[] = [];
    // "Bound to nobody" is only known when every binding that could refer to the role was seen.
    const roleBindings = view.complete('RoleBinding.rbac.authorization.k8s.io');
    const clusterRoleBindings = view.complete('ClusterRoleBinding.rbac.authorization.k8s.io');
    for (const role of view.roles()) {
      if (!roleBindings || (role.kind === 'ClusterRole' && !clusterRoleBindings)) continue;
      if (isExemptSummary(role, ctx.params) || view.bindingsOf(role).length > 0) continue;
      if (role.kind === 'ClusterRole' && (view.aggregatedInto(role).length > 0 || aggregatesSomewhere(role))) continue;
      const where = role.kind === 'Role' ? ` of namespace ${JSON.stringify(role.namespace)}` : '';
      out.push({
        object: role.id,
        path: [],
        message: `${describeObject(role.id)} is bound to nobody: no ${role.kind === 'Role' ? 'RoleBinding' : 'RoleBinding or ClusterRoleBinding'}${where} refers to it; delete it or bind it where it is needed`,
      });
    }
    return out;
  },
});
