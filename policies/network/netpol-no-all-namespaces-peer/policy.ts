import { defineObjectPolicy, effectivePolicyTypes, networkRulesOf, selectsAllPods, type Direction, type Violation } from '../../../src/sdk.js';

export default defineObjectPolicy({
  id: 'netpol-no-all-namespaces-peer',
  title: 'NetworkPolicy peers should not select every namespace',
  description:
    'Flags ingress and egress peers with an empty namespaceSelector ({}) and no podSelector or an empty one: every pod in every namespace of the cluster. ' +
    'This usually means "from the monitoring namespace" or "to kube-dns" written without the selector that says so, and it lets any tenant\'s pods in. ' +
    'Allowed: a namespaceSelector naming namespaces (kubernetes.io/metadata.name), or an empty namespaceSelector combined with a non-empty podSelector (e.g. k8s-app: kube-dns).',
  severity: 'low',
  category: 'network',
  controls: ['cis-k8s:5.3.2', 'nsa:network-separation'],
  remediation: 'Select the namespaces meant, e.g. namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}, and add a podSelector for the pods meant.',
  defaultAction: 'warn',
  recommended: 'warn',
  match: { kinds: ['NetworkPolicy.networking.k8s.io'] },
  check(object) {
    const { types } = effectivePolicyTypes(object);
    const out: Violation[] = [];
    for (const direction of ['ingress', 'egress'] as Direction[]) {
      if (!types.has(direction === 'ingress' ? 'Ingress' : 'Egress')) continue;
      for (const rule of networkRulesOf(object, direction)) {
        for (const p of rule.peers) {
          if (!selectsAllPods(p.peer)) continue;
          out.push({
            path: [...p.path, 'namespaceSelector'],
            message: `empty namespaceSelector with no podSelector ${direction === 'ingress' ? 'admits' : 'reaches'} every pod in every namespace; select the namespaces meant (kubernetes.io/metadata.name) and the pods meant`,
          });
        }
      }
    }
    return out;
  },
});
