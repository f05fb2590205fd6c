import { RBAC_KINDS, WORKLOAD_KINDS, defineClusterPolicy, describeGrantChain, describeObject, implicitGroups, type ClusterViolation, type EffectiveGrant } from '../../../src/sdk.js';
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
    // Every service account is in groups that others share (system:authenticated reaches every one):
    // what the groups of a namespace's accounts grant is worked out once per namespace, and an account
    // with no binding of its own (most) reads its namespace's answer. The order is grantsFor's with
    // viaGroups (the account's own grants, then its groups' in implicitGroups order), so the message
    // and evidence are the same as from one grantsFor call per account.
    type Access = { rules: Map<string, EffectiveGrant>; namespaces: string[]; cluster: boolean };
    const readable = (grants: EffectiveGrant[]) => grants.filter((g) => !(ctx.params.allowNamedSecrets !== false && g.grant.named));
    const add = (access: Access, g: EffectiveGrant) => {
      // One line per granting rule: a rule listing get, list and watch is one piece of evidence.
      const key = `${describeObject(g.binding.id)} ${describeObject(g.source.source.id)} ${g.source.rule.index}`;
      if (!access.rules.has(key)) access.rules.set(key, g);
      if (g.scope === 'cluster') access.cluster = true;
      const ns = g.scope === 'cluster' ? '' : JSON.stringify(g.scope.namespace);
      if (!access.namespaces.includes(ns)) access.namespaces.push(ns);
    };
    const merge = (into: Access, from: Access) => {
      for (const [key, g] of from.rules) if (!into.rules.has(key)) into.rules.set(key, g);
      for (const ns of from.namespaces) if (!into.namespaces.includes(ns)) into.namespaces.push(ns);
      into.cluster ||= from.cluster;
      return into;
    };
    const empty = (): Access => ({ rules: new Map(), namespaces: [], cluster: false });
    const byGroup = new Map<string, Access>();
    const groupAccess = (name: string): Access => {
      let access = byGroup.get(name);
      if (access === undefined) {
        access = empty();
        for (const g of readable(view.grantsFor({ kind: 'Group', name }, RIGHTS.secretsRead, query))) add(access, { ...g, viaGroup: true });
        byGroup.set(name, access);
      }
      return access;
    };
    const describe = (access: Access): { wide: string; evidence: string[] } | undefined => {
      if (access.rules.size === 0) return undefined;
      const wide = access.cluster ? 'in every namespace' : `in namespace${access.namespaces.length > 1 ? 's' : ''} ${access.namespaces.join(', ')}`;
      const rules = [...access.rules.values()];
      // Only the lines shown are described: an account reached by hundreds of bindings costs five.
      const evidence = rules.slice(0, 5).map(describeGrantChain);
      return { wide, evidence: rules.length > 5 ? [...evidence, `and ${rules.length - 5} more grant(s)`] : evidence };
    };
    // Per namespace only its groups' answers and the description: not a merged copy of their rules,
    // which over 2,000 namespaces would be hundreds of thousands of map entries.
    const byNamespace = new Map<string, { groups: Access[]; described: ReturnType<typeof describe> }>();
    const bySa = new Map<string, ReturnType<typeof describe>>();
    const secretAccessOf = (namespace: string, name: string): ReturnType<typeof describe> => {
      const key = `${namespace}/${name}`;
      if (bySa.has(key)) return bySa.get(key);
      const subject = { kind: 'ServiceAccount' as const, namespace, name };
      let ns = byNamespace.get(namespace);
      if (ns === undefined) {
        const groups = implicitGroups(subject).map(groupAccess);
        ns = { groups, described: describe(groups.reduce(merge, empty())) };
        byNamespace.set(namespace, ns);
      }
      const own = readable(view.grantsFor(subject, RIGHTS.secretsRead, { ...query, viaGroups: false }));
      let found = ns.described;
      if (own.length > 0) {
        const access = empty();
        for (const g of own) add(access, g);
        found = describe(ns.groups.reduce(merge, access));
      }
      bySa.set(key, found);
      return found;
    };
    for (const w of view.workloads()) {
      if (ignored.includes(w.namespace) || !view.mountsToken(w)) continue;
      const access = secretAccessOf(w.namespace, w.serviceAccountName);
      if (access === undefined) continue;
      out.push({
        object: w.id,
        path: [...w.podPath, 'spec', 'automountServiceAccountToken'],
        message: `the pods of ${w.kind} ${JSON.stringify(w.name)} mount the token of service account ${JSON.stringify(w.serviceAccountName)}, which can read Secrets ${access.wide}: code running in them can read those credentials; set automountServiceAccountToken: false or take the Secret access away`,
        evidence: access.evidence,
      });
    }
    return out;
  },
});
