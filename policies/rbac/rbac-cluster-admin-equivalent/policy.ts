import {
  RBAC_KINDS, defineClusterPolicy, describeGrantChain, describeSubject,
  type ClusterViolation, type EffectiveGrant, type Permission,
} from '../../../src/sdk.js';
import { CLUSTER_EXEMPTION_PARAMETERS, isExemptSummary, type ClusterExemptionParams } from '../_lib/cluster-policy.js';
import { RIGHTS } from '../_lib/rights.js';

type Params = ClusterExemptionParams & { privilegedNamespaces: string[] };

// Only a wildcard entry matches a name no real resource, verb or group has: this permission finds `*` on `*`.
const NONE = '\u0000';
const EVERYTHING: Permission[] = [{ group: NONE, resources: [NONE], verbs: [NONE] }];

/** The rights that are cluster-admin on their own, each with what it lets one do. */
const ALONE: { name: string; permissions: readonly Permission[]; why: string }[] = [
  { name: 'escalate', permissions: RIGHTS.escalate, why: 'grant itself any right' },
  { name: 'bind', permissions: RIGHTS.bind, why: 'bind any role, cluster-admin included' },
  { name: 'impersonate', permissions: RIGHTS.impersonate, why: 'act as any user, group or service account' },
  { name: 'nodes/proxy', permissions: RIGHTS.nodesProxy, why: 'run commands in any pod through the kubelet' },
];

const ALL: readonly Permission[] = [...EVERYTHING, ...ALONE.flatMap((r) => r.permissions), ...RIGHTS.createPods, ...RIGHTS.secretsRead];

/**
 * Which subjects can do what cluster-admin does, whatever their roles are called: the rights are
 * followed from every binding that names the subject, through the role, into aggregated ClusterRoles.
 * Creating pods and reading Secrets count together: a pod can run as any service account of its
 * namespace, and Secrets hold tokens and credentials.
 */
export default defineClusterPolicy<Params>({
  id: 'rbac-cluster-admin-equivalent',
  title: 'Subjects should not hold cluster-admin-equivalent rights',
  description:
    'Flags every user, group and service account whose bindings give it, cluster-wide or in one of privilegedNamespaces (default kube-system), any of: `*` verbs on `*` resources in `*` API groups; ' +
    'escalate or bind on roles; impersonate; nodes/proxy; or both creating Pods and reading Secrets. Rights are followed through RoleBindings and ClusterRoleBindings into the roles they name, aggregated ClusterRoles included, ' +
    'and each finding lists the chain of binding, role and rule as evidence. Rules limited by resourceNames still count for escalate, bind, impersonate and nodes/proxy, not for creating Pods or reading Secrets. ' +
    'The control plane\'s own bindings (system: names, the bootstrapping label) and those in exemptNames are left out.',
  severity: 'critical',
  category: 'rbac',
  controls: ['cis-k8s:5.1.1', 'cis-k8s:5.1.2', 'cis-k8s:5.1.4', 'cis-k8s:5.1.8', 'cis-k8s:5.1.10', 'nsa:authentication-authorization', 'mitre:T1078', 'mitre:T1098'],
  remediation: 'Bind the subject to a role with only the rights it needs; keep cluster-admin-level access to a break-glass identity listed in exemptNames.',
  defaultAction: 'warn',
  recommended: 'warn',
  viewKinds: [...RBAC_KINDS],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...CLUSTER_EXEMPTION_PARAMETERS,
      privilegedNamespaces: {
        type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: ['kube-system'],
        description: 'Namespaces where these rights are as good as cluster-wide (the control plane\'s service accounts and their tokens live there).',
      },
    },
  },
  check(view, ctx) {
    const privileged = Array.isArray(ctx.params.privilegedNamespaces) ? ctx.params.privilegedNamespaces : [];
    const inScope = (g: EffectiveGrant) => g.scope === 'cluster' || privileged.includes(g.scope.namespace);
    const query = { skipBinding: (b: Parameters<typeof isExemptSummary>[0]) => isExemptSummary(b, ctx.params) };
    const out: ClusterViolation[] = [];
    for (const subject of view.subjects()) {
      // Every right at once, one walk of the subject's bindings; then the first grant of each.
      const grants = view.grantsFor(subject, ALL, query).filter(inScope);
      // Named objects (resourceNames) limit create and reads; a bind or impersonate of one named target is still the keys.
      const first = (permissions: readonly Permission[], anyName: boolean) =>
        grants.find((g) => permissions.includes(g.grant.permission) && (anyName || !g.grant.named));
      const reasons: string[] = [];
      const evidence: EffectiveGrant[] = [];
      const wildcard = first(EVERYTHING, false);
      if (wildcard !== undefined) {
        // "*" on "*" is every other right too: naming them all would say nothing more.
        reasons.push('"*" on "*" (every verb on every resource)');
        evidence.push(wildcard);
      } else {
        for (const right of ALONE) {
          const g = first(right.permissions, true);
          if (g === undefined) continue;
          reasons.push(`${right.name} (${right.why})`);
          evidence.push(g);
        }
        const pods = first(RIGHTS.createPods, false);
        const secrets = pods !== undefined ? first(RIGHTS.secretsRead, false) : undefined;
        if (pods !== undefined && secrets !== undefined) {
          reasons.push('creating Pods and reading Secrets (run as any service account, read every credential)');
          evidence.push(pods, secrets);
        }
      }
      if (reasons.length === 0) continue;
      out.push({
        object: view.subjectId(subject),
        path: [],
        message: `${describeSubject(subject)} holds cluster-admin-equivalent rights through its bindings: ${reasons.join('; ')}; bind it to a role with only what it needs`,
        evidence: [...new Set(evidence.map(describeGrantChain))],
      });
    }
    return out;
  },
});
