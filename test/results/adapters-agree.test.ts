/**
 * One object, one answer: the webhook and `scan` produce the same result model for the same object,
 * under the same configuration, including the webhook's own exemptions (engine configuration now,
 * not a rule in the adapter).
 */
import t from 'tap';
import { parseConfig } from '../../src/config/load-config.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { parseManifests } from '../../src/scan/manifests.js';
import { scanManifests } from '../../src/scan/scan.js';
import { staticNamespaceLabels } from '../../src/cluster/namespace-labels.js';
import type { ObjectResult } from '../../src/results/model.js';
import { harness, post } from '../admission/fixtures/harness.js';

const MANIFESTS = `
apiVersion: v1
kind: Pod
metadata: {name: priv, namespace: shop}
spec:
  hostNetwork: true
  containers:
  - name: app
    image: nginx
    securityContext: {privileged: true}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: own, namespace: kube-posture}
spec:
  selector: {matchLabels: {app: own}}
  template:
    metadata: {labels: {app: own}}
    spec:
      containers:
      - {name: app, image: nginx, securityContext: {privileged: true}}
---
apiVersion: v1
kind: Pod
metadata: {name: old, namespace: legacy}
spec:
  containers:
  - {name: app, image: nginx:latest, securityContext: {privileged: true}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
rules:
- {apiGroups: ['*'], resources: ['*'], verbs: ['*']}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tidy, namespace: shop}
spec:
  selector: {matchLabels: {app: tidy}}
  template:
    metadata: {labels: {app: tidy}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: app
        image: nginx:1.27
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`;

const comparable = (o: ObjectResult) => ({
  kind: o.ref.kind,
  name: o.ref.name,
  namespace: o.ref.namespace,
  status: o.status,
  exemptBy: o.exemptBy,
  verdict: o.verdict,
  policyExemptions: o.policyExemptions,
  findings: o.findings.map((f) => ({ policyId: f.policyId, action: f.action, path: f.path, message: f.message, severity: f.severity })),
});

t.test('webhook and scan give the same result for the same object', async (t) => {
  const config = `profile: recommended
exemptions:
  namespaces: [legacy]
policies:
  pss-privileged:
    exemptions: {namespaces: [shop]}
`;
  const ownExemptions = { source: "webhook's own", exemptions: { namespaces: ['kube-posture'] } };
  const fc = parseConfig(config);
  const set = await buildPolicySet(fc, { ownExemptions });
  const { objects, problems } = parseManifests(MANIFESTS, 'all.yaml');
  t.same(problems, []);
  const scanned = scanManifests(objects, set);

  const seen: ObjectResult[] = [];
  const labels = Object.fromEntries(['shop', 'kube-posture', 'legacy'].map((ns) => [ns, { 'kubernetes.io/metadata.name': ns }]));
  const h = await harness({ builtin: true, dirs: [], config, namespaces: staticNamespaceLabels(labels), policySet: { ownExemptions }, deps: { onResult: (r) => seen.push(r) } });
  for (const [i, m] of objects.entries()) {
    const [group, version] = String(m.object.apiVersion).includes('/') ? String(m.object.apiVersion).split('/') : ['', String(m.object.apiVersion)];
    const meta = m.object.metadata as { name: string; namespace?: string };
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: `uid-${i}`, kind: { group, version, kind: m.object.kind }, name: meta.name, ...(meta.namespace ? { namespace: meta.namespace } : {}), operation: 'CREATE', userInfo: { username: 'alice' }, object: m.object },
    };
    const res = await post(h.app, review);
    t.equal(res.status, 200);
  }
  t.equal(seen.length, objects.length, 'the webhook reported a result for every review');
  for (const [i, fromScan] of scanned.objects.entries()) {
    t.same(comparable(seen[i]!), comparable(fromScan), `${fromScan.ref.kind} ${fromScan.ref.name}: same result`);
  }

  // The cases the set-up means to cover, so the comparison above cannot pass on trivial results.
  const byName = new Map(scanned.objects.map((o) => [o.ref.name, o]));
  t.equal(byName.get('own')?.exemptBy, "webhook's own namespace kube-posture", 'own namespace: exempt through engine configuration');
  t.equal(byName.get('old')?.exemptBy, 'namespace legacy', 'configured global exemption');
  t.same(byName.get('priv')?.policyExemptions, [{ policyId: 'pss-privileged', reason: 'namespace shop' }], 'per-policy exemption named');
  t.equal(byName.get('priv')?.verdict.allowed, false, 'still denied by the other baseline policies');
  t.equal(byName.get('everything')?.verdict.allowed, false, 'wildcard ClusterRole denied');
  t.ok(byName.get('open')!.findings.length > 0, 'allow-all NetworkPolicy has findings');
  t.equal(byName.get('tidy')?.verdict.outcome, 'allowed');
});
