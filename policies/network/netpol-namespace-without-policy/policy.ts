import { WORKLOAD_KINDS, defineClusterPolicy, describeObject, type ClusterViolation } from '../../../src/sdk.js';
import { IGNORED_NAMESPACES_PARAMETER } from '../_lib/cluster.js';

/**
 * CIS 5.3.2 asks for NetworkPolicies in every namespace. A namespace with no NetworkPolicy at all leaves
 * each of its pods open to every pod of the cluster (and to the outside, where routing allows) and free
 * to connect anywhere. Only namespaces that run something are reported: an empty namespace exposes nothing.
 */
export default defineClusterPolicy<{ ignoredNamespaces: string[] }>({
  id: 'netpol-namespace-without-policy',
  title: 'Namespaces that run workloads should have a NetworkPolicy',
  description:
    'Flags every namespace that runs at least one workload (Pods, Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicaSets, ReplicationControllers; host-network pods aside, ' +
    'which NetworkPolicies do not isolate) and holds no NetworkPolicy. Judged over the cluster view: in `scan` the manifests given, in `audit` the cluster. ' +
    'The namespaces in ignoredNamespaces (by default the control plane\'s kube-system, kube-public and kube-node-lease) are not reported.',
  severity: 'medium',
  category: 'network',
  controls: ['cis-k8s:5.3.2', 'nsa:network-separation', 'mitre:T1046'],
  remediation: 'Add NetworkPolicies to the namespace: a default deny (podSelector: {}, policyTypes: [Ingress, Egress]) and policies that admit the traffic its workloads need.',
  defaultAction: 'warn',
  recommended: 'warn',
  viewKinds: ['Namespace', 'NetworkPolicy.networking.k8s.io', ...WORKLOAD_KINDS],
  parameters: { type: 'object', additionalProperties: false, properties: { ignoredNamespaces: IGNORED_NAMESPACES_PARAMETER } },
  check(view, ctx) {
    // "No NetworkPolicy" is only known when every NetworkPolicy was seen.
    if (!view.complete('NetworkPolicy.networking.k8s.io')) return [];
    const ignored = Array.isArray(ctx.params.ignoredNamespaces) ? ctx.params.ignoredNamespaces : [];
    const out: ClusterViolation[] = [];
    for (const ns of view.namespaceNames()) {
      if (ignored.includes(ns) || view.networkPoliciesIn(ns).length > 0) continue;
      const workloads = view.workloadsIn(ns).filter((w) => !w.hostNetwork);
      if (workloads.length === 0) continue;
      const more = workloads.length > 5 ? [`and ${workloads.length - 5} more workload(s)`] : [];
      out.push({
        object: view.namespaceId(ns),
        path: [],
        message: `namespace ${JSON.stringify(ns)} runs ${workloads.length} workload(s) and has no NetworkPolicy: its pods accept traffic from every pod in the cluster and may connect anywhere; add a default-deny NetworkPolicy and allow what the workloads need`,
        evidence: [...workloads.slice(0, 5).map((w) => `${describeObject(w.id)} runs here`), ...more],
      });
    }
    return out;
  },
});
