import { asArray, defineObjectPolicy, getIn, type Violation } from '../../../src/sdk.js';

export default defineObjectPolicy({
  id: 'netpol-explicit-policy-types',
  title: 'NetworkPolicies must state policyTypes for the rules they carry',
  description:
    'Flags NetworkPolicies whose policyTypes do not match their rules: policyTypes omitted while spec.egress has rules (the API server then guesses Ingress and Egress from which lists are set, so deleting the last egress rule silently turns off egress isolation), ' +
    'and policyTypes that leave out Egress (Ingress) while spec.egress (spec.ingress) has rules, which Kubernetes then ignores. ' +
    'Allowed: policyTypes listing every direction that has rules; an omitted policyTypes on an ingress-only policy.',
  severity: 'medium',
  category: 'network',
  controls: ['cis-k8s:5.3.2', 'nsa:network-separation'],
  remediation: 'Set spec.policyTypes explicitly, e.g. ["Ingress", "Egress"], listing each direction the policy is meant to isolate.',
  defaultAction: 'warn',
  recommended: 'warn',
  match: { kinds: ['NetworkPolicy.networking.k8s.io'] },
  check(object) {
    const listed = getIn(object, ['spec', 'policyTypes']);
    const hasIngress = asArray(getIn(object, ['spec', 'ingress'])).length > 0;
    const hasEgress = asArray(getIn(object, ['spec', 'egress'])).length > 0;
    if (!Array.isArray(listed)) {
      if (!hasEgress) return [];
      return [{ path: ['spec', 'policyTypes'], message: 'spec.policyTypes is omitted while spec.egress has rules: isolation then depends on which rule lists happen to be set; list the directions explicitly, e.g. ["Ingress", "Egress"]' }];
    }
    const out: Violation[] = [];
    if (hasEgress && !listed.includes('Egress')) out.push({ path: ['spec', 'policyTypes'], message: 'spec.egress has rules but spec.policyTypes does not list "Egress", so Kubernetes ignores them; add "Egress" or remove the egress rules' });
    if (hasIngress && !listed.includes('Ingress')) out.push({ path: ['spec', 'policyTypes'], message: 'spec.ingress has rules but spec.policyTypes does not list "Ingress", so Kubernetes ignores them; add "Ingress" or remove the ingress rules' });
    return out;
  },
});
