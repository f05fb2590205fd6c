/**
 * The posture scanner's Deployment (`kube-posture controller`): on by default, gone with
 * scanner.enabled=false, wired to the controller's flags, the webhook's configuration and image, its
 * own ServiceAccount, ops port, NetworkPolicy, Service and ServiceMonitor. (Pod security, probes and the
 * heap cap of every Deployment: chart.test.ts; its RBAC: scanner-rbac.test.ts.)
 */
import t from 'tap';
import { helm, RENDER_KUBE_VERSION } from '../../scripts/manifests/helm.js';
import { CHART_DIR, findHelm, isScanner, renderChart, scannerObject, webhookObject, type K8sObject } from './render.js';

if (!(await findHelm())) {
  t.fail('helm not found: npm test builds it first (its pretest script runs scripts/install-helm.sh); run that script when running test files directly');
  process.exit(1);
}

type Container = { args: string[]; env: { name: string; value?: string; valueFrom?: unknown }[]; ports: { name: string; containerPort: number }[]; image: string; readinessProbe: any; livenessProbe: any };
const podOf = (d: K8sObject) => (d.spec as { template: { spec: Record<string, any> } }).template.spec;
const containerOf = (d: K8sObject): Container => podOf(d).containers[0];

t.test('on by default; scanner.enabled=false renders nothing of it', async (t) => {
  const objects = await renderChart({});
  const scanner = objects.filter(isScanner).map((o) => o.kind).sort();
  t.same(scanner, ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'], 'its objects');
  const d = scannerObject(objects, 'Deployment')!;
  t.equal(d.metadata.name, 'kube-posture-scanner');
  t.equal((d.spec as { replicas: number }).replicas, 2, 'two replicas, one leader');

  const off = await renderChart({ scanner: { enabled: false } });
  t.same(off.filter(isScanner).map((o) => `${o.kind}/${o.metadata.name}`), [], 'nothing with scanner.enabled=false');
  t.same(off.filter((o) => o.metadata.name.includes('scanner')).map((o) => o.metadata.name), [], 'nothing named after it either');
  const withMonitor = await renderChart({ scanner: { enabled: false }, metrics: { serviceMonitor: { enabled: true } } });
  t.same(withMonitor.filter((o) => o.kind === 'ServiceMonitor').map((o) => o.metadata.name), ['kube-posture'], 'and no ServiceMonitor for it');
});

t.test('runs kube-posture controller with the values as flags', async (t) => {
  const objects = await renderChart({});
  const c = containerOf(scannerObject(objects, 'Deployment')!);
  const webhook = containerOf(webhookObject(objects, 'Deployment')!);
  t.equal(c.image, webhook.image, 'the webhook image');
  t.same(c.args, [
    'controller',
    '--config=/etc/kube-posture/config/config.yaml',
    '--ops-port=8081',
    '--reports=openreports',
    '--max-reports=10000',
    '--write-rate=10',
    '--rescan-interval=3600',
    '--report-access=local',
    '--report-interval=10',
    '--leader-elect',
    '--lease-name=kube-posture-scanner',
    '--log-level=info',
  ]);
  t.same(c.ports, [{ name: 'ops', containerPort: 8081, protocol: 'TCP' }], 'ops port 8081');
  t.match(c.readinessProbe, { httpGet: { path: '/readyz', port: 'ops', scheme: 'HTTP' } });
  t.match(c.livenessProbe, { httpGet: { path: '/healthz', port: 'ops', scheme: 'HTTP' } });
  t.same(c.env.find((e) => e.name === 'NODE_OPTIONS'), { name: 'NODE_OPTIONS', value: '--max-old-space-size=160' }, '160 MiB heap under the 256Mi limit');
  const sa = scannerObject(objects, 'ServiceAccount')!;
  t.equal(podOf(scannerObject(objects, 'Deployment')!).serviceAccountName, sa.metadata.name, 'its own ServiceAccount');
  t.not(sa.metadata.name, webhookObject(objects, 'ServiceAccount')!.metadata.name);

  const custom = containerOf(scannerObject(await renderChart({
    logLevel: 'warn',
    scanner: { opsPort: 9100, logLevel: 'debug', rescanInterval: 600, reports: { format: 'wgpolicy', includePass: true, maxReports: 1000000, writeRate: 2.5 } },
  }), 'Deployment')!);
  t.same(custom.args, [
    'controller',
    '--config=/etc/kube-posture/config/config.yaml',
    '--ops-port=9100',
    '--reports=wgpolicy',
    '--include-pass',
    '--max-reports=1000000',
    '--write-rate=2.5',
    '--rescan-interval=600',
    '--report-access=local',
    '--report-interval=10',
    '--leader-elect',
    '--lease-name=kube-posture-scanner',
    '--log-level=debug',
  ], 'large numbers as integers (no 1e+06), fractional rates as given, its own log level');
  t.same(custom.ports, [{ name: 'ops', containerPort: 9100, protocol: 'TCP' }]);
});

t.test('the heap cap follows the memory limit, for both Deployments', async (t) => {
  const cases: [string | number, number][] = [['256Mi', 160], ['512Mi', 320], ['1Gi', 640], ['300M', 178], [268435456, 160], ['1.5Gi', 960]];
  for (const [memory, heap] of cases) {
    const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory } };
    const objects = await renderChart({ resources, scanner: { resources } });
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      t.equal(containerOf(d).env.find((e) => e.name === 'NODE_OPTIONS')?.value, `--max-old-space-size=${heap}`, `${d.metadata.name}: ${String(memory)} -> ${heap} MiB`);
    }
  }
  await t.rejects(renderChart({ scanner: { resources: { requests: { cpu: '100m', memory: '16Mi' }, limits: { memory: '16Mi' } } } }), /too small for Node/, 'a limit too small for Node fails the render');
});

t.test('its pods are selected only by its own objects, and select none of the webhook', async (t) => {
  const objects = await renderChart({ metrics: { serviceMonitor: { enabled: true } }, networkPolicy: { metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] } });
  const svc = scannerObject(objects, 'Service')!;
  t.same((svc.spec as any).ports, [{ name: 'ops', port: 8081, targetPort: 'ops', protocol: 'TCP' }], 'a Service for the ops port');
  const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
  t.equal(monitors.length, 2, 'one ServiceMonitor each');
  const sm = monitors.find(isScanner)!;
  const sel = (sm.spec as any).selector.matchLabels as Record<string, string>;
  const matches = (o: K8sObject) => Object.entries(sel).every(([k, v]) => o.metadata.labels?.[k] === v);
  t.same(objects.filter((o) => o.kind === 'Service' && matches(o)).map((o) => o.metadata.name), [svc.metadata.name], 'the scanner ServiceMonitor selects the scanner Service only');
  t.same((sm.spec as any).endpoints, [{ port: 'ops', path: '/metrics', interval: '30s' }], 'scrapes /metrics on ops');
  const webhookSm = monitors.find((m) => !isScanner(m))!;
  const wsel = (webhookSm.spec as any).selector.matchLabels as Record<string, string>;
  t.same(objects.filter((o) => o.kind === 'Service' && Object.entries(wsel).every(([k, v]) => o.metadata.labels?.[k] === v)).map((o) => o.metadata.name), ['kube-posture'], 'the webhook ServiceMonitor does not pick the scanner Service');

  const np = scannerObject(objects, 'NetworkPolicy')!;
  const spec = np.spec as { policyTypes: string[]; ingress: { ports: { port: number }[]; from?: unknown[] }[]; egress: unknown[] };
  t.same(spec.policyTypes, ['Ingress', 'Egress']);
  t.same(spec.ingress, [{ ports: [{ port: 8081, protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }], 'in: the ops port, from metricsFrom only');
  t.same(spec.egress, (webhookObject(objects, 'NetworkPolicy')!.spec as { egress: unknown }).egress, 'out: DNS and the API server, as the webhook');
  t.notOk(objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name.includes('scanner') && !isScanner(o)));
  t.notOk((await renderChart({ networkPolicy: { enabled: false } })).some((o) => o.kind === 'NetworkPolicy'), 'networkPolicy.enabled=false: none');
});

t.test('ServiceAccount, RBAC and PDB switches', async (t) => {
  const noRbac = await renderChart({ rbac: { create: false } });
  t.same(noRbac.filter((o) => ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind)).map((o) => o.metadata.name), [], 'rbac.create=false: no RBAC at all');
  const ownSa = await renderChart({ scanner: { serviceAccount: { create: false, name: 'posture-reader' } } });
  t.notOk(scannerObject(ownSa, 'ServiceAccount'), 'serviceAccount.create=false: none created');
  t.equal(podOf(scannerObject(ownSa, 'Deployment')!).serviceAccountName, 'posture-reader', 'the named one is used');
  t.same((ownSa.find((o) => o.kind === 'ClusterRoleBinding' && isScanner(o)) as any).subjects[0].name, 'posture-reader', 'and bound');
  const annotated = await renderChart({ scanner: { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } } } });
  t.same(scannerObject(annotated, 'ServiceAccount')!.metadata.annotations, { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' });
  t.notOk(scannerObject(await renderChart({ scanner: { podDisruptionBudget: { enabled: false } } }), 'PodDisruptionBudget'), 'PDB off');
  t.equal((scannerObject(await renderChart({}), 'PodDisruptionBudget')!.spec as any).maxUnavailable, 1, 'PDB maxUnavailable 1 by default');

  const placed = podOf(scannerObject(await renderChart({ scanner: { nodeSelector: { pool: 'system' }, tolerations: [{ key: 'system', operator: 'Exists' }], affinity: { nodeAffinity: {} }, topologySpreadConstraints: [] } }), 'Deployment')!);
  t.same(placed.nodeSelector, { pool: 'system' });
  t.same(placed.tolerations, [{ key: 'system', operator: 'Exists' }]);
  t.same(placed.affinity, { nodeAffinity: {} });
  t.notOk(placed.topologySpreadConstraints, 'no spread constraints when emptied');
});

t.test('rbac.scannerReadAccess is deprecated and ignored, and still accepted (helm upgrade --reuse-values)', async (t) => {
  for (const scannerReadAccess of [true, false]) {
    const objects = await renderChart({ rbac: { scannerReadAccess } });
    t.same(webhookObject(objects, 'ClusterRole')!.rules, [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }], `${scannerReadAccess}: the webhook reads namespaces only`);
    t.ok(scannerObject(objects, 'ClusterRole'), `${scannerReadAccess}: the scanner keeps its own role`);
  }
});

t.test('bad scanner values are rejected by the schema', async (t) => {
  const bad: Record<string, unknown> = {
    'unknown report format': { scanner: { reports: { format: 'sarif' } } },
    'zero max reports': { scanner: { reports: { maxReports: 0 } } },
    'zero write rate': { scanner: { reports: { writeRate: 0 } } },
    'rescan every 10 s': { scanner: { rescanInterval: 10 } },
    'zero replicas': { scanner: { replicaCount: 0 } },
    'no memory limit': { scanner: { resources: { limits: { memory: null } } } },
    'no limits': { scanner: { resources: { limits: null } } },
    'unknown key': { scanner: { replicas: 2 } },
    'enabled as a string': { scanner: { enabled: 'false' } },
    'invalid log level': { scanner: { logLevel: 'verbose' } },
  };
  for (const [name, values] of Object.entries(bad)) {
    await t.rejects(renderChart(values), /values don't meet the specifications of the schema/, `${name}: rejected`);
  }
});

t.test('helm lint passes with the scanner on, off and writing PolicyReports', async (t) => {
  for (const args of [[], ['--set', 'scanner.enabled=false'], ['--set', 'scanner.reports.format=wgpolicy', '--set', 'reports.wgpolicy.installCRDs=true', '--set', 'metrics.serviceMonitor.enabled=true']]) {
    const out = await helm(['lint', '--strict', CHART_DIR, '--kube-version', RENDER_KUBE_VERSION, ...args]);
    t.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/, `helm lint --strict ${args.join(' ')}`);
  }
});
