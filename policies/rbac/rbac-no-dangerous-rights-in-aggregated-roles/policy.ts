import { asRecord, defineObjectPolicy, findGrants, getIn, hasAggregationRule, rulesOf, type Violation } from '../../../src/sdk.js';
import { SYSTEM_EXEMPTION_PARAMETERS, isExemptRbacObject, type SystemExemptionParams } from '../_lib/system-exemption.js';
import { RIGHTS, RIGHT_LABELS, type RightName } from '../_lib/rights.js';
import { describeGrants } from '../_lib/rule-policy.js';

interface Params extends SystemExemptionParams {
  writeAggregationLabels: string[];
  readOnlyAggregationLabels: string[];
}

/** Rights that none of the built-in aggregated roles (admin, edit, view) hold. */
const BEYOND_ADMIN: RightName[] = ['escalate', 'bind', 'impersonate', 'nodesProxy', 'csrApproval', 'csrSigning', 'admissionConfiguration', 'createPersistentVolumes'];
/** Rights admin and edit hold but a read-only role must not gain. */
const BEYOND_VIEW: RightName[] = [...BEYOND_ADMIN, 'secretsRead', 'createPods', 'createWorkloads', 'podExecAttach', 'podPortForward', 'ephemeralContainers', 'serviceAccountToken'];

export default defineObjectPolicy<Params>({
  id: 'rbac-no-dangerous-rights-in-aggregated-roles',
  title: 'ClusterRoles aggregated into built-in roles should not carry dangerous rights',
  description:
    'Flags ClusterRoles labelled for aggregation into the built-in roles (rbac.authorization.k8s.io/aggregate-to-admin, -edit: "true") whose rules grant rights admin does not have: ' +
    'escalate, bind, impersonate, nodes/proxy, CSR approval or signing, changes to admission configuration, creating PersistentVolumes, or a "*" verb or resource. ' +
    'For roles aggregated into read-only roles (aggregate-to-view, aggregate-to-cluster-reader) it also flags Secret reads, creating Pods or workloads, exec/attach/port-forward, ephemeral containers and service account tokens. ' +
    'The aggregation controller copies these rules into admin, edit or view, so every subject bound to those, in every namespace, gains them. ' +
    'Limits: only the label keys in the parameters are known to feed widely bound roles; custom aggregation labels cannot be judged from this one object.',
  severity: 'high',
  category: 'rbac',
  controls: ['cis-k8s:5.1.3', 'cis-k8s:5.1.8', 'nsa:authentication-authorization', 'mitre:T1098'],
  remediation: 'Drop the aggregation label and bind the ClusterRole to the subjects that need it, or remove the dangerous rules from the aggregated role.',
  defaultAction: 'warn',
  recommended: 'warn',
  match: { kinds: ['ClusterRole.rbac.authorization.k8s.io'] },
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...SYSTEM_EXEMPTION_PARAMETERS,
      writeAggregationLabels: {
        type: 'array', items: { type: 'string', minLength: 1 },
        default: ['rbac.authorization.k8s.io/aggregate-to-admin', 'rbac.authorization.k8s.io/aggregate-to-edit'],
        description: 'Label keys (value "true") that aggregate into roles which may write workloads.',
      },
      readOnlyAggregationLabels: {
        type: 'array', items: { type: 'string', minLength: 1 },
        default: ['rbac.authorization.k8s.io/aggregate-to-view', 'rbac.authorization.k8s.io/aggregate-to-cluster-reader'],
        description: 'Label keys (value "true") that aggregate into read-only roles.',
      },
    },
  },
  check(object, ctx) {
    if (isExemptRbacObject(object, ctx.params, ctx.input.userInfo)) return [];
    if (hasAggregationRule(object)) return []; // its own rules come from the roles it selects, checked on their own
    const labels = asRecord(getIn(object, ['metadata', 'labels'])) ?? {};
    const on = (keys: unknown): string[] => (Array.isArray(keys) ? keys : []).filter((k): k is string => typeof k === 'string' && labels[k] === 'true');
    const write = on(ctx.params.writeAggregationLabels);
    const readOnly = on(ctx.params.readOnlyAggregationLabels);
    if (write.length === 0 && readOnly.length === 0) return [];
    const targets = [...readOnly, ...write].map((k) => JSON.stringify(k.replace(/^.*aggregate-to-/, ''))).join(', ');
    const rightNames = readOnly.length > 0 ? BEYOND_VIEW : BEYOND_ADMIN;
    const rules = rulesOf(object);
    const out: Violation[] = [];
    for (const rule of rules) {
      const wild = rule.verbs.find((v) => v.value === '*') ?? rule.resources.find((r) => r.value === '*' || r.value.startsWith('*/'));
      if (wild !== undefined) {
        const field = rule.verbs.includes(wild) ? 'verbs' : 'resources';
        out.push({
          path: [...rule.path, field, wild.index],
          message: `ClusterRole is aggregated into ${targets} and this rule uses ${JSON.stringify(wild.value)} in ${field}: every subject bound to ${targets} would gain it; list explicit ${field} or drop the aggregation label`,
          value: wild.value,
        });
        continue;
      }
      const found = rightNames
        .map((name) => ({ name, grants: findGrants([rule], RIGHTS[name]) }))
        .filter((f) => f.grants.length > 0);
      if (found.length === 0) continue;
      const first = found[0]!.grants[0]!;
      out.push({
        path: [...rule.path, 'verbs', first.verb.index],
        message: `ClusterRole is aggregated into ${targets} and this rule grants ${found.map((f) => `${RIGHT_LABELS[f.name]} (${describeGrants(f.grants)})`).join('; ')}: every subject bound to ${targets} would gain it; drop the aggregation label and bind this role only where it is needed`,
        value: first.verb.value,
      });
    }
    return out;
  },
});
