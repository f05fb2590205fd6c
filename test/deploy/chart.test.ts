/**
 * The chart under many value sets: the lock-out protections hold whatever the values say, the webhook
 * configuration is well-formed, the pods pass our own strictest profile, and bad values are rejected.
 */
import t, { type Test } from 'tap';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/load-config.js';
import { evaluate, inputFromObject, matchesSelector } from '../../src/core/index.js';
import { buildPolicySet } from '../../src/policy-set/policy-set.js';
import { helm, RENDER_KUBE_VERSION } from '../../scripts/manifests/helm.js';
import { CHART_DIR, chartWithLibrary, findHelm, findObject, isScanner, renderChart, webhookObject, webhooksOf, type K8sObject, type RbacRule, type RenderedWebhook } from './render.js';

if (!(await findHelm())) {
  t.fail('helm not found: npm test builds it first (its pretest script runs scripts/install-helm.sh); run that script when running test files directly');
  process.exit(1);
}

const FIXTURE_LIBRARY = fileURLToPath(new URL('./fixtures/policies', import.meta.url));
const CA_BUNDLE = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

interface ValueSet {
  values: Record<string, unknown>;
  release?: { name: string; namespace: string };
}

const VALUE_SETS: Record<string, ValueSet> = {
  default: { values: {} },
  audit: { values: { mode: 'audit' } },
  warn: { values: { mode: 'warn' } },
  'extra excluded namespaces': { values: { webhook: { excludedNamespaces: ['cert-manager', 'monitoring'] } } },
  'values try to re-include protected namespaces': {
    values: {
      webhook: {
        excludedNamespaces: [],
        namespaceSelector: {
          matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
          matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['kube-system', 'kube-posture', 'default'] }],
        },
      },
    },
  },
  'other release namespace': { values: {}, release: { name: 'kp', namespace: 'security' } },
  'provided certificates': { values: { certificates: { mode: 'provided', provided: { secretName: 'my-webhook-tls', caBundle: CA_BUNDLE } } } },
  'custom issuer': { values: { certificates: { certManager: { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } } } } },
  'one replica': { values: { replicaCount: 1 } },
  'match conditions': { values: { webhook: { matchConditions: [{ name: 'not-nodes', expression: "!request.userInfo.username.startsWith('system:node:')" }] } } },
  'fail open on request': { values: { webhook: { failurePolicy: 'Ignore', timeoutSeconds: 5 } } },
  'pss-restricted profile': { values: { profile: 'pss-restricted' } },
  'all profile': { values: { profile: 'all' } },
  'none profile': { values: { profile: 'none' } },
  'user policies': { values: { userPolicies: { files: { 'my-policy/policy.yaml': 'id: my-policy\n' } } } },
  'service monitor': { values: { metrics: { serviceMonitor: { enabled: true } } } },
  'client CA from a Secret': { values: { certificates: { clientCA: { enabled: true, secretName: 'apiserver-client-ca' } } } },
  'scanner writing wgpolicy reports': { values: { scanner: { reports: { format: 'wgpolicy', includePass: true } }, reports: { wgpolicy: { installCRDs: true } } } },
  'scanner off': { values: { scanner: { enabled: false } } },
  'larger memory limits': { values: { resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '1Gi' } }, scanner: { resources: { requests: { cpu: '100m', memory: '300M' }, limits: { memory: 536870912 } } } } },
};

const NAME_LABEL = 'kubernetes.io/metadata.name';

function checkWebhooks(t: Test, name: string, set: ValueSet, objects: K8sObject[]) {
  const ns = set.release?.namespace ?? 'kube-posture';
  const values = set.values as { mode?: string; webhook?: { failurePolicy?: string; timeoutSeconds?: number; matchConditions?: unknown[]; excludedNamespaces?: string[] }; certificates?: { mode?: string } };
  const hooks = webhooksOf(objects);
  const vwc = findObject(objects, 'ValidatingWebhookConfiguration');
  for (const h of hooks) {
    const where = `${name}: ${h.name}`;
    // The protected namespaces, with every label a user selector or the mode selector could ask for.
    for (const protectedNs of [ns, 'kube-system', ...(values.webhook?.excludedNamespaces ?? [])]) {
      const labels = { ...h.namespaceSelector.matchLabels, [NAME_LABEL]: protectedNs, 'kube-posture.io/mode': 'enforce' };
      t.notOk(matchesSelector(h.namespaceSelector as never, labels), `${where}: never sees namespace ${protectedNs}`);
    }
    t.same(h.namespaceSelector.matchExpressions?.[0], { key: NAME_LABEL, operator: 'NotIn', values: h.namespaceSelector.matchExpressions?.[0]?.values }, `${where}: exclusion comes first`);
    const optOut = { ...h.namespaceSelector.matchLabels, [NAME_LABEL]: 'team-a', 'kube-posture.io/mode': 'enforce', 'kube-posture.io/webhook': 'disabled' };
    t.notOk(matchesSelector(h.namespaceSelector as never, optOut), `${where}: a namespace labelled kube-posture.io/webhook=disabled is out (break glass)`);
    if (!(set.values.webhook as { namespaceSelector?: unknown } | undefined)?.namespaceSelector && (h.name === 'warn.kube-posture.io' || (values.mode ?? 'enforce') === 'enforce')) {
      t.ok(matchesSelector(h.namespaceSelector as never, { [NAME_LABEL]: 'team-a' }), `${where}: an ordinary namespace is selected (the exclusions do not exclude everything)`);
    }
    t.equal(h.sideEffects, 'None', `${where}: sideEffects None (dry runs reach it)`);
    t.same(h.admissionReviewVersions, ['v1'], `${where}: admission.k8s.io/v1`);
    t.equal(h.matchPolicy, 'Equivalent', `${where}: matchPolicy Equivalent`);
    t.equal(h.timeoutSeconds, values.webhook?.timeoutSeconds ?? 10, `${where}: timeoutSeconds`);
    t.same(h.matchConditions, values.webhook?.matchConditions, `${where}: matchConditions from values`);
    t.equal(h.clientConfig.service?.namespace, ns, `${where}: calls the release's service`);
    t.equal(h.clientConfig.service?.path, '/validate', `${where}: path /validate`);
    t.ok(h.rules.length > 0, `${where}: has rules`);
    if (h.name === 'warn.kube-posture.io') t.equal(h.failurePolicy, 'Ignore', `${where}: warn/audit traffic fails open`);
    else t.equal(h.failurePolicy, values.webhook?.failurePolicy ?? 'Fail', `${where}: deny traffic fails closed by default`);
    if (values.certificates?.mode === 'provided') t.equal(h.clientConfig.caBundle, CA_BUNDLE, `${where}: provided caBundle`);
    else t.notOk(h.clientConfig.caBundle, `${where}: caBundle left to cert-manager's injector`);
  }
  const deny = hooks.find((h) => h.name === 'deny.kube-posture.io');
  if ((values.mode ?? 'enforce') !== 'enforce' && deny) {
    t.notOk(matchesSelector(deny.namespaceSelector as never, { [NAME_LABEL]: 'default' }), `${name}: under ${values.mode}, an unlabelled namespace is never denied through a fail-closed call`);
    t.ok(matchesSelector(deny.namespaceSelector as never, { [NAME_LABEL]: 'default', 'kube-posture.io/mode': 'enforce' }), `${name}: a namespace that opted into enforcement is`);
  }
  if (vwc) {
    const inject = vwc.metadata.annotations?.['cert-manager.io/inject-ca-from'];
    if (values.certificates?.mode === 'provided') t.notOk(inject, `${name}: no CA injection with provided certificates`);
    else {
      t.ok(inject, `${name}: cert-manager injects the CA`);
      const [certNs, certName] = (inject ?? '/').split('/');
      const cert = objects.find((o) => o.kind === 'Certificate' && o.metadata.name === certName && o.metadata.namespace === certNs);
      t.ok(cert, `${name}: inject-ca-from names a rendered Certificate`);
      const svc = findObject(objects, 'Service')!;
      const dnsNames = (cert?.spec as { dnsNames?: string[] } | undefined)?.dnsNames ?? [];
      t.same(dnsNames, [`${svc.metadata.name}.${ns}.svc`, `${svc.metadata.name}.${ns}.svc.cluster.local`], `${name}: certificate names the service the webhook calls`);
      t.equal(hooks[0]?.clientConfig.service?.name, svc.metadata.name, `${name}: webhook calls the rendered service`);
    }
  }
}

function checkWorkload(t: Test, name: string, set: ValueSet, objects: K8sObject[]) {
  const ns = set.release?.namespace ?? 'kube-posture';
  const values = set.values as { replicaCount?: number; certificates?: { mode?: string; provided?: { secretName?: string } } };
  for (const o of objects) {
    const clusterScoped = ['ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration', 'CustomResourceDefinition'].includes(o.kind);
    if (!clusterScoped) t.equal(o.metadata.namespace, ns, `${name}: ${o.kind}/${o.metadata.name} is in the release namespace`);
  }
  const deploy = webhookObject(objects, 'Deployment')!;
  const spec = deploy.spec as { replicas: number; template: { spec: Record<string, any> } };
  t.equal(spec.replicas, values.replicaCount ?? 3, `${name}: replicas`);
  const pod = spec.template.spec;
  const c = pod.containers[0];
  t.same(c.env.find((e: { name: string }) => e.name === 'POD_SERVICE_ACCOUNT')?.valueFrom, { fieldRef: { fieldPath: 'spec.serviceAccountName' } }, `${name}: service account name from the downward API`);
  t.ok(c.args.includes(`--metrics-port=${c.ports.find((p: { name: string }) => p.name === 'metrics').containerPort}`), `${name}: probes and metrics on the ops port`);
  t.equal(c.readinessProbe.httpGet.port, 'metrics', `${name}: probes on the ops port, which serves them when --metrics-port is set`);
  t.same(c.lifecycle?.preStop?.sleep, { seconds: 5 }, `${name}: preStop pause before SIGTERM`);
  t.ok(c.args.includes('serve'), `${name}: runs kube-posture serve`);
  t.ok(c.args.includes('--tls-cert=/etc/kube-posture/tls/tls.crt'), `${name}: serving certificate from the mounted secret`);
  const tls = pod.volumes.find((v: { name: string }) => v.name === 'tls');
  const expectedSecret = values.certificates?.mode === 'provided' ? values.certificates.provided?.secretName : (objects.find((o) => o.kind === 'Certificate' && !(o.spec as { isCA?: boolean }).isCA)?.spec as { secretName?: string } | undefined)?.secretName;
  t.equal(tls.secret.secretName, expectedSecret, `${name}: mounts the certificate's secret`);
  // Written in decimal in the chart: a literal 0440 is octal to kubectl (YAML 1.1) but 440 to YAML 1.2 readers.
  t.equal(tls.secret.defaultMode, 0o440, `${name}: certificate files are 0440 whichever YAML version reads them`);
  t.equal(pod.serviceAccountName, webhookObject(objects, 'ServiceAccount')?.metadata.name, `${name}: runs as the chart's service account`);
  t.ok((pod.topologySpreadConstraints ?? []).length >= 1, `${name}: spread constraints`);
  const pdb = webhookObject(objects, 'PodDisruptionBudget');
  t.ok(pdb, `${name}: PodDisruptionBudget`);
  t.same((pdb?.spec as any)?.selector?.matchLabels, (deploy.spec as any).selector.matchLabels, `${name}: PDB selects the pods`);
  t.equal((deploy.spec as any).strategy.rollingUpdate.maxUnavailable, 0, `${name}: rollouts keep full capacity`);
  const scanner = objects.find((o) => o.kind === 'Deployment' && isScanner(o));
  t.equal(scanner !== undefined, (set.values.scanner as { enabled?: boolean } | undefined)?.enabled !== false, `${name}: the scanner Deployment is there unless scanner.enabled is false`);
  for (const d of objects.filter((o) => o.kind === 'Deployment')) checkPod(t, `${name}: ${d.metadata.name}`, d);
  checkSelectors(t, name, objects);
}

/** Bytes of a Kubernetes memory quantity (the forms the values schema admits). */
export function quantityBytes(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  const factor: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(m[1]) * factor[m[2] ?? '']!;
}

/** What every Deployment of the chart must be, the webhook's and the scanner's alike. */
function checkPod(t: Test, name: string, deploy: K8sObject) {
  const spec = deploy.spec as { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: Record<string, any> } };
  const pod = spec.template.spec;
  t.match(spec.template.metadata.labels, spec.selector.matchLabels, `${name}: the pods carry the selector's labels`);
  t.match(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, `${name}: pod securityContext`);
  t.equal(pod.automountServiceAccountToken, true, `${name}: the service account token is mounted (it reads the API)`);
  t.notOk(pod.hostNetwork || pod.hostPID || pod.hostIPC, `${name}: no host namespaces`);
  t.equal(pod.containers.length, 1, `${name}: one container`);
  for (const c of pod.containers) {
    t.match(c.securityContext, { runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } }, `${name}: container securityContext`);
    t.notOk(c.securityContext.capabilities.add, `${name}: no added capabilities`);
    t.ok(c.securityContext.runAsUser > 0, `${name}: numeric non-root user`);
    const env = (n: string) => c.env.find((e: { name: string }) => e.name === n);
    t.same(env('POD_NAMESPACE')?.valueFrom, { fieldRef: { fieldPath: 'metadata.namespace' } }, `${name}: POD_NAMESPACE from the downward API`);
    t.same(env('POD_NAME')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } }, `${name}: POD_NAME from the downward API`);
    const portNames = c.ports.map((p: { name: string }) => p.name);
    t.equal(c.readinessProbe.httpGet.path, '/readyz', `${name}: readiness on /readyz`);
    t.equal(c.livenessProbe.httpGet.path, '/healthz', `${name}: liveness on /healthz`);
    t.ok(portNames.includes(c.readinessProbe.httpGet.port) && portNames.includes(c.livenessProbe.httpGet.port), `${name}: probes on a declared port`);
    t.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, `${name}: requests and a memory limit`);
    // The heap cap: V8's default ignores the container's limit and would exceed a 256Mi one.
    const heap = /^--max-old-space-size=(\d+)$/.exec(env('NODE_OPTIONS')?.value ?? '');
    t.ok(heap, `${name}: NODE_OPTIONS caps Node's heap`);
    const limitMiB = quantityBytes(c.resources.limits.memory) / 2 ** 20;
    t.equal(Number(heap?.[1]), Math.floor(limitMiB * 0.625), `${name}: heap is 5/8 of the ${c.resources.limits.memory} memory limit`);
    t.ok(Number(heap?.[1]) < limitMiB * 0.7, `${name}: heap well under the limit`);
    t.notOk(c.volumeMounts.some((m: { subPath?: string }) => m.subPath), `${name}: no subPath mounts (renewed files appear in place)`);
    t.ok(c.volumeMounts.every((m: { readOnly?: boolean; mountPath: string }) => m.readOnly || m.mountPath === '/tmp'), `${name}: only /tmp is writable`);
  }
  for (const tsc of pod.topologySpreadConstraints ?? []) t.same(tsc.labelSelector?.matchLabels, spec.selector.matchLabels, `${name}: spread over its own pods`);
}

/** No selector of the chart picks pods of another Deployment: a Service routing webhook calls to scanner pods would fail them. */
function checkSelectors(t: Test, name: string, objects: K8sObject[]) {
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const podLabels = (d: K8sObject) => (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
  const selects = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
  const selectors: [string, Record<string, string>][] = [];
  for (const o of objects) {
    const spec = o.spec as Record<string, any> | undefined;
    if (o.kind === 'Deployment' || o.kind === 'PodDisruptionBudget') selectors.push([`${o.kind}/${o.metadata.name}`, spec!.selector.matchLabels]);
    if (o.kind === 'Service') selectors.push([`${o.kind}/${o.metadata.name}`, spec!.selector]);
    if (o.kind === 'NetworkPolicy') selectors.push([`${o.kind}/${o.metadata.name}`, spec!.podSelector.matchLabels]);
  }
  for (const [what, sel] of selectors) {
    const picked = deployments.filter((d) => selects(sel, podLabels(d))).map((d) => d.metadata.name);
    t.equal(picked.length, 1, `${name}: ${what} selects the pods of exactly one Deployment (${picked.join(', ')})`);
  }
}

const READ = ['get', 'list', 'watch'];
/** Kinds anything of the chart may write: the scanner's reports and its Lease. */
const WRITABLE = new Set(['openreports.io/reports', 'openreports.io/clusterreports', 'wgpolicyk8s.io/policyreports', 'wgpolicyk8s.io/clusterpolicyreports', 'coordination.k8s.io/leases']);

function checkRbac(t: Test, name: string, set: ValueSet, objects: K8sObject[]) {
  const ns = set.release?.namespace ?? 'kube-posture';
  for (const role of objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')) {
    const where = `${name}: ${role.kind}/${role.metadata.name}`;
    for (const rule of (role.rules as RbacRule[]) ?? []) {
      const what = `${where} (${rule.apiGroups.join(',')}/${rule.resources.join(',')}: ${rule.verbs.join(',')})`;
      t.notOk(rule.resources.some((r) => r === 'secrets' || r.startsWith('secrets/')), `${what}: never secrets`);
      t.notOk([...rule.resources, ...rule.apiGroups, ...rule.verbs, ...(rule.resourceNames ?? [])].some((x) => x.includes('*')), `${what}: no wildcards`);
      t.notOk(rule.verbs.some((v) => ['escalate', 'bind', 'impersonate', 'deletecollection'].includes(v)), `${what}: no escalation verbs`);
      const writes = rule.verbs.filter((v) => !READ.includes(v));
      if (writes.length > 0) {
        t.ok(rule.apiGroups.every((g) => rule.resources.every((r) => WRITABLE.has(`${g}/${r}`))), `${what}: writes only reports and the Lease`);
        if (rule.resources.includes('leases')) {
          t.equal(role.kind, 'Role', `${what}: Lease rights are namespaced`);
          t.equal(role.metadata.namespace, ns, `${what}: in the release namespace`);
          if (!rule.resourceNames) t.same(rule.verbs, ['create'], `${what}: only create is not limited by name`);
        }
      }
    }
  }
  const webhook = webhookObject(objects, 'ClusterRole');
  const rbacOn = (set.values.rbac as { create?: boolean } | undefined)?.create !== false;
  if (rbacOn) {
    t.same(webhook?.rules, [{ apiGroups: [''], resources: ['namespaces'], verbs: READ }], `${name}: the webhook reads namespaces, nothing else`);
    const scanner = objects.find((o) => o.kind === 'ClusterRole' && isScanner(o));
    if (scanner) t.ok((scanner.rules as RbacRule[]).some((r) => r.apiGroups.includes('') && r.resources.includes('namespaces') && READ.every((v) => r.verbs.includes(v))), `${name}: the scanner reads namespaces`);
  }
}

/** Our own engine over every rendered object: nothing deny-level under pss-restricted or recommended. */
async function checkOwnPolicies(t: Test, name: string, objects: K8sObject[], libraries: { label: string; dirs: string[]; builtin: boolean }[]) {
  for (const lib of libraries) {
    for (const profile of ['pss-restricted', 'recommended']) {
      const ps = await buildPolicySet(parseConfig(`profile: ${profile}\nmode: enforce\npolicyDirectories: ${JSON.stringify(lib.dirs)}\n`), lib.builtin ? {} : { builtinDir: false });
      const denied: string[] = [];
      for (const o of objects) {
        const result = evaluate(inputFromObject(o, { namespace: o.metadata.namespace ?? '', namespaceLabels: { [NAME_LABEL]: o.metadata.namespace ?? '' } }), ps.registry, ps.engine);
        for (const f of result.findings) if (f.action === 'deny') denied.push(`${o.kind}/${o.metadata.name}: ${f.policyId} ${f.path}`);
      }
      t.same(denied, [], `${name}: ${lib.label} library, profile ${profile}: nothing deny-level (${ps.registry.policies.size} policies)`);
    }
  }
}

t.test('value sets over the test library (webhooks present)', async (t) => {
  const { chartDir, cleanup } = await chartWithLibrary(FIXTURE_LIBRARY);
  t.teardown(cleanup);
  for (const [name, set] of Object.entries(VALUE_SETS)) {
    const objects = await renderChart(set.values, { chartDir, ...(set.release ? { releaseName: set.release.name, namespace: set.release.namespace } : {}) });
    t.ok(webhooksOf(objects).length > 0, `${name}: renders webhooks`);
    checkWebhooks(t, name, set, objects);
    checkWorkload(t, name, set, objects);
    checkRbac(t, name, set, objects);
    await checkOwnPolicies(t, name, objects, [{ label: 'test', dirs: [FIXTURE_LIBRARY], builtin: false }]);
  }
});

t.test('value sets over the built-in library', async (t) => {
  for (const [name, set] of Object.entries(VALUE_SETS)) {
    const objects = await renderChart(set.values, set.release ? { releaseName: set.release.name, namespace: set.release.namespace } : {});
    checkWebhooks(t, name, set, objects);
    checkWorkload(t, name, set, objects);
    checkRbac(t, name, set, objects);
    await checkOwnPolicies(t, name, objects, [{ label: 'built-in', dirs: [], builtin: true }]);
  }
});

t.test('the rendered configuration is one the server accepts', async (t) => {
  for (const values of [{}, { mode: 'audit', profile: 'pss-restricted', config: { podSecurity: { version: 'v1.25' }, exemptions: { usernames: ['system:serviceaccount:ci:deployer'] } } }]) {
    const cm = findObject(await renderChart(values), 'ConfigMap', 'kube-posture-config')!;
    const text = (cm.data as Record<string, string>)['config.yaml']!;
    const config = parseConfig(text, 'config.yaml');
    t.equal(config.profile, (values as { profile?: string }).profile ?? 'recommended', 'profile from values');
    t.equal(config.mode, (values as { mode?: string }).mode ?? 'enforce', 'mode from values');
    await t.resolves(buildPolicySet(config), 'the policy set builds from it');
  }
});

t.test('user policies are mounted as a policy directory', async (t) => {
  const objects = await renderChart({ userPolicies: { files: { 'my-policy/policy.yaml': 'id: my-policy\n' } } });
  const cm = findObject(objects, 'ConfigMap', 'kube-posture-user-policies');
  t.same(cm?.data, { 'my-policy__policy.yaml': 'id: my-policy\n' }, 'ConfigMap keys without "/"');
  const pod = (webhookObject(objects, 'Deployment')!.spec as any).template.spec;
  const vol = pod.volumes.find((v: { name: string }) => v.name === 'user-policies');
  const scannerPod = (objects.find((o) => o.kind === 'Deployment' && isScanner(o))!.spec as any).template.spec;
  t.same(scannerPod.volumes.find((v: { name: string }) => v.name === 'user-policies'), vol, 'the scanner mounts the same user policies');
  t.same(scannerPod.containers[0].volumeMounts, pod.containers[0].volumeMounts.filter((m: { name: string }) => ['config', 'user-policies', 'tmp'].includes(m.name)), 'at the same paths, with the configuration');
  t.same(scannerPod.volumes.find((v: { name: string }) => v.name === 'config'), pod.volumes.find((v: { name: string }) => v.name === 'config'), 'and the same configuration ConfigMap');
  t.equal(scannerPod.containers[0].args.find((a: string) => a.startsWith('--config=')), pod.containers[0].args.find((a: string) => a.startsWith('--config=')), 'read with the same --config');
  t.equal((objects.find((o) => o.kind === 'Deployment' && isScanner(o))!.spec as any).template.metadata.annotations['checksum/user-policies'], (webhookObject(objects, 'Deployment')!.spec as any).template.metadata.annotations['checksum/user-policies'], 'a change of user policies rolls the scanner too');
  t.same(vol.configMap.items, [{ key: 'my-policy__policy.yaml', path: 'my-policy/policy.yaml' }], 'mapped back to <id>/policy.yaml');
  const config = parseConfig((findObject(objects, 'ConfigMap', 'kube-posture-config')!.data as Record<string, string>)['config.yaml']!);
  t.same(config.policyDirectories, ['/etc/kube-posture/user-policies'], 'the configuration names the mounted directory');
  t.ok(pod.containers[0].volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/etc/kube-posture/user-policies'), 'mounted');

  const items = [{ key: 'team.yaml', path: 'team-labels/policy.yaml' }];
  const existing = await renderChart({ userPolicies: { existingConfigMap: 'my-policies', items } });
  const vol2 = (webhookObject(existing, 'Deployment')!.spec as any).template.spec.volumes.find((v: { name: string }) => v.name === 'user-policies');
  t.same(vol2.configMap, { name: 'my-policies', items }, 'an existing ConfigMap is mounted with its items');
  t.notOk(findObject(existing, 'ConfigMap', 'kube-posture-user-policies'), 'and no ConfigMap is rendered for it');
});

t.test('client certificate verification (--client-ca) is off by default and wired when enabled', async (t) => {
  type Pod = { containers: { args: string[]; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[]; volumes: Record<string, any>[] };
  const podOf = (objects: K8sObject[]): Pod => (webhookObject(objects, 'Deployment')!.spec as { template: { spec: Pod } }).template.spec;
  const clientCaArgs = (pod: Pod) => pod.containers[0]!.args.filter((a) => a.startsWith('--client-ca'));

  const off = podOf(await renderChart({}));
  t.same(clientCaArgs(off), [], 'default: no --client-ca flag');
  t.notOk(off.volumes.some((v) => v.name === 'client-ca'), 'default: no client-ca volume');
  t.notOk(off.containers[0]!.volumeMounts.some((m) => m.name === 'client-ca'), 'default: no client-ca mount');
  const disabledWithName = podOf(await renderChart({ certificates: { clientCA: { enabled: false, secretName: 'apiserver-client-ca' } } }));
  t.same(clientCaArgs(disabledWithName), [], 'a source without enabled: true turns nothing on');

  const sources = {
    Secret: { values: { secretName: 'apiserver-client-ca' }, volume: { secret: { secretName: 'apiserver-client-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } } },
    ConfigMap: { values: { configMapName: 'apiserver-client-ca', key: 'bundle.pem' }, volume: { configMap: { name: 'apiserver-client-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }], defaultMode: 0o440 } } },
  };
  for (const [kind, source] of Object.entries(sources)) {
    const pod = podOf(await renderChart({ certificates: { clientCA: { enabled: true, ...source.values } } }));
    const args = clientCaArgs(pod);
    t.equal(args.length, 1, `${kind}: one --client-ca flag`);
    const file = args[0]!.slice('--client-ca='.length);
    const volume = pod.volumes.find((v) => v.name === 'client-ca');
    const { name: _n, ...volumeSource } = volume ?? {};
    t.same(volumeSource, source.volume, `${kind}: only the CA key is projected, as ca.crt, read-only mode`);
    const mount = pod.containers[0]!.volumeMounts.find((m) => m.name === 'client-ca');
    t.ok(mount?.readOnly, `${kind}: mounted read-only`);
    t.equal(file, `${mount?.mountPath}/ca.crt`, `${kind}: the flag names the mounted file`);
    t.notOk((mount as { subPath?: string } | undefined)?.subPath, `${kind}: no subPath (a rotated CA appears in place)`);
    const objects = await renderChart({ certificates: { clientCA: { enabled: true, ...source.values } } });
    const scanner = (objects.find((o) => o.kind === 'Deployment' && isScanner(o))!.spec as { template: { spec: Pod } }).template.spec;
    t.notOk(scanner.volumes.some((v) => v.name === 'client-ca' || v.name === 'tls'), `${kind}: the scanner mounts neither the serving certificate nor the client CA (it serves no webhook)`);
  }
});

t.test('network policy: only the webhook and metrics ports in; DNS and the API server out', async (t) => {
  const np = webhookObject(await renderChart({}), 'NetworkPolicy')!;
  const spec = np.spec as { ingress: { ports: { port: number }[] }[]; egress: { ports: { port: number }[] }[]; policyTypes: string[] };
  t.same(spec.policyTypes, ['Ingress', 'Egress']);
  t.same(spec.ingress.flatMap((r) => r.ports.map((p) => p.port)).sort(), [8443, 9090]);
  t.same([...new Set(spec.egress.flatMap((r) => r.ports.map((p) => p.port)))].sort((a, b) => a - b), [53, 443, 6443]);
});

t.test('helm lint passes', async (t) => {
  const { chartDir, cleanup } = await chartWithLibrary(FIXTURE_LIBRARY);
  t.teardown(cleanup);
  for (const dir of [CHART_DIR, chartDir]) {
    const out = await helm(['lint', '--strict', dir, '--kube-version', RENDER_KUBE_VERSION]);
    t.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/, `helm lint --strict ${dir === CHART_DIR ? 'chart' : 'chart with the test library'}`);
  }
  const out = await helm(['lint', '--strict', chartDir, '--kube-version', RENDER_KUBE_VERSION, '--set', 'mode=audit', '--set', 'certificates.mode=provided', '--set', 'certificates.provided.secretName=x', '--set', `certificates.provided.caBundle=${CA_BUNDLE}`]);
  t.match(out, /0 chart\(s\) failed/, 'helm lint with audit mode and provided certificates');
});

t.test('bad values are rejected before anything is applied', async (t) => {
  const bad: Record<string, unknown> = {
    'unknown mode': { mode: 'block' },
    'unknown profile': { profile: 'strict' },
    'unknown top-level key': { replicas: 3 },
    'typo in the policy configuration': { config: { exemption: {} } },
    'invalid policy action': { config: { policies: { 'some-policy': { action: 'block' } } } },
    'invalid PSS version': { config: { podSecurity: { version: '1.25' } } },
    'timeout above 30 s': { webhook: { timeoutSeconds: 60 } },
    'invalid failurePolicy': { webhook: { failurePolicy: 'Maybe' } },
    'zero replicas': { replicaCount: 0 },
    'provided certificates without a secret': { certificates: { mode: 'provided' } },
    'wildcard extra rule': { webhook: { extraRules: { deny: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE'], resources: ['*'] }] } } },
    'invalid namespace name': { webhook: { excludedNamespaces: ['Not_A_Namespace'] } },
    'user policy outside a folder': { userPolicies: { files: { 'policy.yaml': 'id: x' } } },
    'existing ConfigMap without items': { userPolicies: { existingConfigMap: 'my-policies' } },
    'removing the resource limits': { resources: { limits: null } },
    'client CA enabled without a source': { certificates: { clientCA: { enabled: true } } },
    'client CA from both a ConfigMap and a Secret': { certificates: { clientCA: { enabled: true, configMapName: 'a', secretName: 'b' } } },
    'client CA enabled as a string': { certificates: { clientCA: { enabled: 'true', secretName: 'b' } } },
    'client CA key with a path': { certificates: { clientCA: { enabled: true, secretName: 'b', key: '../ca.crt' } } },
    'client CA empty key': { certificates: { clientCA: { enabled: true, secretName: 'b', key: '' } } },
    'client CA unknown field': { certificates: { clientCA: { enabled: true, secret: 'b' } } },
    'client CA invalid object name': { certificates: { clientCA: { enabled: true, configMapName: 'Client_CA' } } },
  };
  for (const [name, values] of Object.entries(bad)) {
    // Rejected by values.schema.json itself, not by a template failing later on.
    await t.rejects(renderChart(values), /values don't meet the specifications of the schema/, `${name}: helm template fails on the schema`);
  }
  await t.rejects(renderChart({ profile: 'recommended', certificates: { mode: 'provided', provided: { secretName: 'x', caBundle: '' } } }), /provided\/caBundle/, 'an empty caBundle is named in the error');
});

t.test('the own-policy check is not vacuous: it notices a violation', async (t) => {
  const objects = await renderChart({ image: { tag: 'latest' } });
  const ps = await buildPolicySet(parseConfig(`profile: recommended\npolicyDirectories: ${JSON.stringify([FIXTURE_LIBRARY])}\n`), { builtinDir: false });
  const deploy = webhookObject(objects, 'Deployment')!;
  const result = evaluate(inputFromObject(deploy, { namespace: 'kube-posture' }), ps.registry, ps.engine);
  t.ok(result.findings.some((f) => f.policyId === 'fx-no-latest-tag' && f.action === 'deny'), 'a latest tag is found by the test library');
});
