import { aggregationSelectorsOf, defineObjectPolicy, isRecord, matchesSelector, type Violation } from '../../../src/sdk.js';
import { SYSTEM_EXEMPTION_PARAMETERS, isExemptRbacObject, type SystemExemptionParams } from '../_lib/system-exemption.js';

interface Params extends SystemExemptionParams {
  privilegedLabelSets: { labels: Record<string, string>; description: string }[];
}

/**
 * Label sets of ClusterRoles whose rights must not be pulled in by aggregation. From one ClusterRole
 * we cannot see which roles a custom selector (`example.com/aggregate-to-x`) will select, so we test
 * the selector against the label sets we know: the built-in roles and what is aggregated into admin
 * and edit. A selector that matches a role with no labels at all selects roles nobody marked for
 * aggregation, cluster-admin-like operator roles included.
 */
const DEFAULT_SETS = [
  { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, description: 'the built-in roles, cluster-admin among them' },
  { labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }, description: 'everything aggregated into the built-in admin role' },
  { labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }, description: 'everything aggregated into the built-in edit role' },
  { labels: {}, description: 'every ClusterRole without labels' },
];

export default defineObjectPolicy<Params>({
  id: 'rbac-no-privileged-aggregation-selector',
  title: 'Aggregated ClusterRoles should not select privileged roles',
  description:
    'Flags aggregationRule.clusterRoleSelectors of a ClusterRole that select the built-in roles (kubernetes.io/bootstrapping: rbac-defaults, cluster-admin among them), ' +
    'the roles aggregated into admin or edit (rbac.authorization.k8s.io/aggregate-to-admin/-edit), or any ClusterRole without labels (an empty selector, or one made only of NotIn/DoesNotExist). ' +
    'The aggregation controller copies every selected role\'s rules into this one, so such a selector silently hands out admin-level or cluster-wide rights. ' +
    'Limits: only the label sets in privilegedLabelSets are tested; which roles a custom label selects cannot be seen from this one object. ' +
    'Selectors that match only a custom label (e.g. example.com/aggregate-to-monitoring) pass. The built-in admin, edit and view roles are exempt by default.',
  severity: 'high',
  category: 'rbac',
  controls: ['cis-k8s:5.1.3', 'nsa:authentication-authorization', 'mitre:T1078', 'mitre:T1098'],
  remediation: 'Select only roles labelled for this aggregation with a dedicated label (matchLabels: {example.com/aggregate-to-<role>: "true"}), never the built-in aggregation labels or an empty selector.',
  defaultAction: 'warn',
  recommended: 'warn',
  match: { kinds: ['ClusterRole.rbac.authorization.k8s.io'] },
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...SYSTEM_EXEMPTION_PARAMETERS,
      privilegedLabelSets: {
        type: 'array',
        default: DEFAULT_SETS,
        description: 'Label sets of privileged ClusterRoles; a selector matching any of them is flagged.',
        items: {
          type: 'object',
          required: ['labels', 'description'],
          additionalProperties: false,
          properties: { labels: { type: 'object', additionalProperties: { type: 'string' } }, description: { type: 'string' } },
        },
      },
    },
  },
  check(object, ctx) {
    if (isExemptRbacObject(object, ctx.params, ctx.input.userInfo)) return [];
    const sets = Array.isArray(ctx.params.privilegedLabelSets) ? ctx.params.privilegedLabelSets : DEFAULT_SETS;
    const out: Violation[] = [];
    for (const { path, selector } of aggregationSelectorsOf(object)) {
      const hits = sets.filter((s) => isRecord(s) && matchesSelector(selector, s.labels));
      if (hits.length === 0) continue;
      out.push({
        path,
        message: `aggregation selector selects ${hits.map((h) => h.description).join('; ')}: their rules would be copied into this role; select only roles carrying a dedicated aggregation label`,
      });
    }
    return out;
  },
});
