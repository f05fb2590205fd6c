import { RBAC_KINDS, WORKLOAD_KINDS, defineClusterPolicy, describeGrantChain, describeObject, type ClusterViolation, type EffectiveGrant } from '../../../src/sdk.js';
import { CLUSTER_EXEMPTION_PARAMETERS, isExemptSummary, type ClusterExemptionParams } from '../../rbac/_lib/cluster-policy.js';
import { RIGHTS } from '../../rbac/_lib/rights.js';

type Params = ClusterExemptionParams & { allowNamedSecrets: boolean; ignoredNamespaces: string[] };

/**
 * A mounted service account token is a credential anyone who gets code running in the container holds.
 * Where that account can read Secrets, one compromised pod reads every credential the account reaches.
 * Admission cannot see this (the pod does not say what its account may do); the cluster view can: the
 * pod's account, whether its token is mounted (pod field, else the ServiceAccount's), and every binding
 * that names the account or a group it is in.
 */
export default defineClusterPolicy<Params>({
  id: 'workload-token-secret-access',
  title: 'Workloads whose service account can read Secrets should not mount its token',
  description:
    'Flags workloads whose pods mount a service account token (automountServiceAccountToken not false on the pod, nor on the ServiceAccount when the pod leaves it unset, or a projected serviceAccountToken volume) ' +
    'while that service account can get, list or watch Secrets through any binding: of the account itself, of the user system:serviceaccount:<ns>:<name>, or of the groups system:serviceaccounts, system:serviceaccounts:<ns> and system:authenticated. ' +
    'Rules limited to named Secrets pass while allowNamedSecrets is on. The control plane\'s own bindings and the namespaces in ignoredNamespaces (default kube-system, where controllers read Secrets by design) are left out.',
  severity: 'high',
  category: 'workload',
  controls: ['cis-k8s:5.1.2', 'cis-k8s:5.1.6', 'nsa:pod-security', 'nsa:authentication-authorization', 'mitre:T1528', 'mitre:T1552.007'],
  remediation: 'Set automountServiceAccountToken: false on the pod (or its ServiceAccount) if it does not call the API; otherwise take the Secret access away from the account, or limit it to the named Secrets it needs.',
  defaultAction: 'warn',
  recommended: 'warn',
  viewKinds: ['ServiceAccount', ...RBAC_KINDS, ...WORKLOAD_KINDS],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...CLUSTER_EXEMPTION_PARAMETERS,
      allowNamedSecrets: { type: 'boolean', default: true, description: 'Let rules limited to named Secrets (resourceNames) pass.' },
      ignoredNamespaces: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: ['kube-system'], description: 'Namespaces whose workloads are not judged.' },
    },
  },
  check(view, ctx) {
    const ignored = Array.isArray(ctx.params.ignoredNamespaces) ? ctx.params.ignoredNamespaces : [];
    const query = { viaGroups: true, skipBinding: (b: Parameters<typeof isExemptSummary>[0]) => isExemptSummary(b, ctx.params) };
    const out: ClusterViolation[] = [];
    // Many workloads share a service account: its grants are looked up once.
    const bySa = new Map<string, EffectiveGrant[]>();
    const grantsOf = (namespace: string, name: string): EffectiveGrant[] => {
      const key = `${namespace}/${name}`;
      let grants = bySa.get(key);
      if (grants === undefined) {
        grants = view.grantsFor({ kind: 'ServiceAccount', namespace, name }, RIGHTS.secretsRead, query).filter((g) => !(ctx.params.allowNamedSecrets !== false && g.grant.named));
        bySa.set(key, grants);
      }
      return grants;
    };
    for (const w of view.workloads()) {
      if (ignored.includes(w.namespace) || !view.mountsToken(w)) continue;
      const grants = grantsOf(w.namespace, w.serviceAccountName);
      if (grants.length === 0) continue;
      const namespaces = [...new Set(grants.map((g) => (g.scope === 'cluster' ? '' : JSON.stringify(g.scope.namespace))))];
      const wide = grants.some((g) => g.scope === 'cluster') ? 'in every namespace' : `in namespace${namespaces.length > 1 ? 's' : ''} ${namespaces.join(', ')}`;
      // One line per granting rule: a rule listing get, list and watch is one piece of evidence.
      const byRule = new Map<string, (typeof grants)[number]>();
      for (const g of grants) {
        const key = `${describeObject(g.binding.id)} ${describeObject(g.source.source.id)} ${g.source.rule.index}`;
        if (!byRule.has(key)) byRule.set(key, g);
      }
      const evidence = [...byRule.values()].map(describeGrantChain);
      out.push({
        object: w.id,
        path: [...w.podPath, 'spec', 'automountServiceAccountToken'],
        message: `the pods of ${w.kind} ${JSON.stringify(w.name)} mount the token of service account ${JSON.stringify(w.serviceAccountName)}, which can read Secrets ${wide}: code running in them can read those credentials; set automountServiceAccountToken: false or take the Secret access away`,
        evidence: evidence.length > 5 ? [...evidence.slice(0, 5), `and ${evidence.length - 5} more grant(s)`] : evidence,
      });
    }
    return out;
  },
});
