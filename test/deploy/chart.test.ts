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
import { CHART_DIR, chartWithLibrary, findHelm, findObject, renderChart, webhooksOf, type K8sObject, type RenderedWebhook } from './render.js';

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
    const clusterScoped = ['ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration'].includes(o.kind);
    if (!clusterScoped) t.equal(o.metadata.namespace, ns, `${name}: ${o.kind}/${o.metadata.name} is in the release namespace`);
  }
  const deploy = findObject(objects, 'Deployment')!;
  const spec = deploy.spec as { replicas: number; template: { spec: Record<string, any> } };
  t.equal(spec.replicas, values.replicaCount ?? 3, `${name}: replicas`);
  const pod = spec.template.spec;
  const c = pod.containers[0];
  t.match(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, `${name}: pod securityContext`);
  t.match(c.securityContext, { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }, `${name}: container securityContext`);
  t.ok(c.securityContext.runAsUser > 0, `${name}: numeric non-root user`);
  t.same(c.env.find((e: { name: string }) => e.name === 'POD_NAMESPACE')?.valueFrom, { fieldRef: { fieldPath: 'metadata.namespace' } }, `${name}: POD_NAMESPACE from the downward API`);
  t.same(c.env.find((e: { name: string }) => e.name === 'POD_SERVICE_ACCOUNT')?.valueFrom, { fieldRef: { fieldPath: 'spec.serviceAccountName' } }, `${name}: service account name from the downward API`);
  t.equal(c.readinessProbe.httpGet.path, '/readyz', `${name}: readiness on /readyz`);
  t.equal(c.livenessProbe.httpGet.path, '/healthz', `${name}: liveness on /healthz`);
  t.ok(c.args.includes(`--metrics-port=${c.ports.find((p: { name: string }) => p.name === 'metrics').containerPort}`), `${name}: probes and metrics on the ops port`);
  t.equal(c.readinessProbe.httpGet.port, 'metrics', `${name}: probes on the ops port, which serves them when --metrics-port is set`);
  t.same(c.lifecycle?.preStop?.sleep, { seconds: 5 }, `${name}: preStop pause before SIGTERM`);
  t.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, `${name}: requests and a memory limit`);
  t.ok(c.args.includes('serve'), `${name}: runs kube-posture serve`);
  t.ok(c.args.includes('--tls-cert=/etc/kube-posture/tls/tls.crt'), `${name}: serving certificate from the mounted secret`);
  const tls = pod.volumes.find((v: { name: string }) => v.name === 'tls');
  const expectedSecret = values.certificates?.mode === 'provided' ? values.certificates.provided?.secretName : (objects.find((o) => o.kind === 'Certificate' && !(o.spec as { isCA?: boolean }).isCA)?.spec as { secretName?: string } | undefined)?.secretName;
  t.equal(tls.secret.secretName, expectedSecret, `${name}: mounts the certificate's secret`);
  // Written in decimal in the chart: a literal 0440 is octal to kubectl (YAML 1.1) but 440 to YAML 1.2 readers.
  t.equal(tls.secret.defaultMode, 0o440, `${name}: certificate files are 0440 whichever YAML version reads them`);
  t.notOk(c.volumeMounts.some((m: { subPath?: string }) => m.subPath), `${name}: no subPath mounts (renewed certificates appear in place)`);
  t.equal(pod.serviceAccountName, findObject(objects, 'ServiceAccount')?.metadata.name, `${name}: runs as the chart's service account`);
  t.ok((pod.topologySpreadConstraints ?? []).length >= 1, `${name}: spread constraints`);
  for (const tsc of pod.topologySpreadConstraints ?? []) t.same(tsc.labelSelector?.matchLabels, (deploy.spec as any).selector.matchLabels, `${name}: spread over the webhook's own pods`);
  const pdb = findObject(objects, 'PodDisruptionBudget');
  t.ok(pdb, `${name}: PodDisruptionBudget`);
  t.same((pdb?.spec as any)?.selector?.matchLabels, (deploy.spec as any).selector.matchLabels, `${name}: PDB selects the pods`);
  t.equal((deploy.spec as any).strategy.rollingUpdate.maxUnavailable, 0, `${name}: rollouts keep full capacity`);
}

function checkRbac(t: Test, name: string, objects: K8sObject[]) {
  const READ = ['get', 'list', 'watch'];
  for (const role of objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')) {
    for (const rule of (role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]) ?? []) {
      t.ok(rule.verbs.every((v) => READ.includes(v)), `${name}: ${role.metadata.name} is read-only (${rule.resources.join(',')})`);
      t.notOk(rule.resources.includes('secrets') || rule.resources.includes('*') || rule.apiGroups.includes('*'), `${name}: no secrets, no wildcards`);
    }
    t.ok((role.rules as { resources: string[] }[]).some((r) => r.resources.includes('namespaces')), `${name}: reads namespaces for the label cache`);
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
    checkRbac(t, name, objects);
    await checkOwnPolicies(t, name, objects, [{ label: 'test', dirs: [FIXTURE_LIBRARY], builtin: false }]);
  }
});

t.test('value sets over the built-in library', async (t) => {
  for (const [name, set] of Object.entries(VALUE_SETS)) {
    const objects = await renderChart(set.values, set.release ? { releaseName: set.release.name, namespace: set.release.namespace } : {});
    checkWebhooks(t, name, set, objects);
    checkWorkload(t, name, set, objects);
    checkRbac(t, name, objects);
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
  const pod = (findObject(objects, 'Deployment')!.spec as any).template.spec;
  const vol = pod.volumes.find((v: { name: string }) => v.name === 'user-policies');
  t.same(vol.configMap.items, [{ key: 'my-policy__policy.yaml', path: 'my-policy/policy.yaml' }], 'mapped back to <id>/policy.yaml');
  const config = parseConfig((findObject(objects, 'ConfigMap', 'kube-posture-config')!.data as Record<string, string>)['config.yaml']!);
  t.same(config.policyDirectories, ['/etc/kube-posture/user-policies'], 'the configuration names the mounted directory');
  t.ok(pod.containers[0].volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/etc/kube-posture/user-policies'), 'mounted');

  const items = [{ key: 'team.yaml', path: 'team-labels/policy.yaml' }];
  const existing = await renderChart({ userPolicies: { existingConfigMap: 'my-policies', items } });
  const vol2 = (findObject(existing, 'Deployment')!.spec as any).template.spec.volumes.find((v: { name: string }) => v.name === 'user-policies');
  t.same(vol2.configMap, { name: 'my-policies', items }, 'an existing ConfigMap is mounted with its items');
  t.notOk(findObject(existing, 'ConfigMap', 'kube-posture-user-policies'), 'and no ConfigMap is rendered for it');
});

t.test('client certificate verification (--client-ca) is off by default and wired when enabled', async (t) => {
  type Pod = { containers: { args: string[]; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[]; volumes: Record<string, any>[] };
  const podOf = (objects: K8sObject[]): Pod => (findObject(objects, 'Deployment')!.spec as { template: { spec: Pod } }).template.spec;
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
  }
});

t.test('network policy: only the webhook and metrics ports in; DNS and the API server out', async (t) => {
  const np = findObject(await renderChart({}), 'NetworkPolicy')!;
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
  const deploy = findObject(objects, 'Deployment')!;
  const result = evaluate(inputFromObject(deploy, { namespace: 'kube-posture' }), ps.registry, ps.engine);
  t.ok(result.findings.some((f) => f.policyId === 'fx-no-latest-tag' && f.action === 'deny'), 'a latest tag is found by the test library');
});
