import t from 'tap';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clusterEnvironment, kubeAccessFromString, loadKubeConfig } from './kubeconfig.js';
import { apiClientFor } from './api.js';
import { generateServerCertificate } from '../serving/dev-cert.js';

const kubeconfig = (contexts: string[], current: string): string => `apiVersion: v1
kind: Config
clusters:
${contexts.map((c) => `- name: ${c}\n  cluster:\n    server: https://${c}.example:6443`).join('\n')}
users:
- name: u
  user:
    token: t
contexts:
${contexts.map((c) => `- name: ${c}\n  context:\n    cluster: ${c}\n    user: u`).join('\n')}
current-context: ${current}
`;

t.test('clusterEnvironment: flag, then in-cluster, then KUBECONFIG, then ~/.kube/config', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-kubeconfig-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  await mkdir(join(home, '.kube'), { recursive: true });
  await writeFile(join(home, '.kube', 'config'), kubeconfig(['a'], 'a'));
  const other = join(dir, 'other');
  await writeFile(other, kubeconfig(['b'], 'b'));
  const sa = join(dir, 'sa');
  await mkdir(sa);
  await writeFile(join(sa, 'token'), 'x');
  await writeFile(join(sa, 'namespace'), 'kube-posture\n');

  t.same(clusterEnvironment({}, { home, saDir: sa }), { kubeconfigFile: join(home, '.kube', 'config'), inCluster: false });
  t.same(clusterEnvironment({ KUBECONFIG: `${join(dir, 'missing')}:${other}` }, { home, saDir: sa }), { kubeconfigFile: other, inCluster: false }, 'first existing KUBECONFIG entry');
  t.same(clusterEnvironment({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, { home, saDir: sa }), { inCluster: true, saNamespace: 'kube-posture' }, 'in a pod: the service account');
  t.same(clusterEnvironment({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, { home, saDir: sa, kubeconfig: other }), { kubeconfigFile: other, inCluster: true, saNamespace: 'kube-posture' }, 'an explicit flag wins');
  t.same(clusterEnvironment({}, { home: join(dir, 'nohome'), saDir: sa }), { inCluster: false }, 'nothing: no access');
});

t.test('loadKubeConfig: --context picks a context; an unknown one is an error, not a silent default', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-kubeconfig-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config');
  await writeFile(file, kubeconfig(['a', 'b'], 'a'));
  const current = await loadKubeConfig({ kubeconfigFile: file, inCluster: false });
  t.ok(current && 'kc' in current && current.kc.server === 'https://a.example:6443');
  const picked = await loadKubeConfig({ kubeconfigFile: file, inCluster: false, context: 'b' });
  t.ok(picked && 'kc' in picked && picked.kc.server === 'https://b.example:6443' && picked.kc.context === 'b');
  t.match(picked, { where: /context b/ });
  t.match(await loadKubeConfig({ kubeconfigFile: file, inCluster: false, context: 'c' }), { error: /no context "c"/ });
});

t.test('loading a kubeconfig does not load client-node (its generated API is 31 MiB of heap the scanner never uses)', async (t) => {
  // A fresh process: this one may have client-node loaded by other tests' imports.
  const dir = await mkdtemp(join(tmpdir(), 'kp-kubeconfig-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config');
  await writeFile(file, kubeconfig(['a'], 'a'));
  const module = fileURLToPath(new URL('./kubeconfig.ts', import.meta.url));
  const api = fileURLToPath(new URL('./api.ts', import.meta.url));
  // A resolve hook (a loader thread) reports every module URL the process resolves.
  const hook = `let port; export function initialize(d) { port = d.port; } export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }`;
  const script = `
    import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    const urls = [];
    port1.on('message', (u) => urls.push(u));
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { port: port2 }, transferList: [port2] });
    const { loadKubeConfig } = await import(${JSON.stringify(module)});
    const { apiClientFor } = await import(${JSON.stringify(api)});
    const access = await loadKubeConfig({ kubeconfigFile: ${JSON.stringify(file)}, inCluster: false });
    apiClientFor(access.kc);
    await new Promise((r) => setTimeout(r, 200));
    port1.close();
    process.stdout.write(JSON.stringify({ server: access.kc.server, urls }));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr.slice(-2000));
  const out = JSON.parse(r.stdout) as { server: string; urls: string[] };
  t.equal(out.server, 'https://a.example:6443');
  t.ok(out.urls.some((u) => u.includes('/yaml/')), 'the hook saw the modules loaded (the check below can fail)');
  t.same(out.urls.filter((u) => u.includes('client-node')), [], 'client-node not loaded');
});

/** A real HTTPS server that answers every GET with what it saw: the Authorization header and the client certificate's CN. */
async function httpsEcho(t: { teardown(fn: () => unknown): void }, options: { requestCert?: boolean } = {}): Promise<{ url: string; ca: string }> {
  const server = await generateServerCertificate({ commonName: 'api-server' });
  const https = createServer({ key: server.key, cert: server.cert, requestCert: options.requestCert ?? false, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ authorization: req.headers.authorization ?? null, clientCN: peer && peer.subject ? peer.subject.CN : null }));
  });
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { https.closeAllConnections(); https.close(() => r()); }));
  return { url: `https://127.0.0.1:${(https.address() as AddressInfo).port}`, ca: server.cert };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

t.test('token, CA data and a token file reach a real HTTPS server', async (t) => {
  const echo = await httpsEcho(t);
  const dir = await mkdtemp(join(tmpdir(), 'kp-kubeconfig-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'ca.crt'), echo.ca);
  await writeFile(join(dir, 'token'), 'from-file\n');
  const doc = `apiVersion: v1
kind: Config
clusters:
- {name: c, cluster: {server: "${echo.url}", certificate-authority-data: ${b64(echo.ca)}}}
- {name: by-file, cluster: {server: "${echo.url}", certificate-authority: ca.crt}}
- {name: untrusted, cluster: {server: "${echo.url}"}}
users:
- {name: tok, user: {token: secret-token}}
- {name: tokfile, user: {tokenFile: token}}
- {name: basic, user: {username: alice, password: pw}}
contexts:
- {name: tok, context: {cluster: c, user: tok}}
- {name: tokfile, context: {cluster: by-file, user: tokfile}}
- {name: basic, context: {cluster: c, user: basic}}
- {name: untrusted, context: {cluster: untrusted, user: tok}}
current-context: tok
`;
  const get = (context: string) => apiClientFor(kubeAccessFromString(doc, { context, baseDir: dir })).getJson('/version');
  t.same(await get('tok'), { authorization: 'Bearer secret-token', clientCN: null });
  t.same(await get('tokfile'), { authorization: 'Bearer from-file', clientCN: null }, 'tokenFile relative to the kubeconfig folder, trimmed; certificate-authority by file');
  t.same(await get('basic'), { authorization: `Basic ${b64('alice:pw')}`, clientCN: null });
  await t.rejects(get('untrusted'), { status: 0, message: /self-signed|certificate/i }, 'without the CA the server certificate is refused');
});

t.test('client certificate and key (data and files)', async (t) => {
  const echo = await httpsEcho(t, { requestCert: true });
  const client = await generateServerCertificate({ commonName: 'client-alice' });
  const dir = await mkdtemp(join(tmpdir(), 'kp-kubeconfig-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'client.crt'), client.cert);
  await writeFile(join(dir, 'client.key'), client.key);
  const doc = (user: string) => `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${echo.url}", certificate-authority-data: ${b64(echo.ca)}}}]
users: [{name: u, user: ${user}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;
  t.same(await apiClientFor(kubeAccessFromString(doc(`{client-certificate-data: ${b64(client.cert)}, client-key-data: ${b64(client.key)}}`))).getJson('/'), { authorization: null, clientCN: 'client-alice' });
  t.same(await apiClientFor(kubeAccessFromString(doc('{client-certificate: client.crt, client-key: client.key}'), { baseDir: dir })).getJson('/'), { authorization: null, clientCN: 'client-alice' });
  t.throws(() => kubeAccessFromString(doc(`{client-certificate-data: ${b64(client.cert)}}`)), /needs its key/);
});

t.test('exec credential plugin: run with KUBERNETES_EXEC_INFO, token kept until it expires, failures are clear errors', async (t) => {
  const echo = await httpsEcho(t);
  const dir = await mkdtemp(join(tmpdir(), 'kp-kubeconfig-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const plugin = join(dir, 'plugin.mjs');
  const counter = join(dir, 'runs');
  // Prints a token naming how often it ran and what it was told; expiry from the environment.
  await writeFile(plugin, `import { appendFileSync, readFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(counter)}, 'x');
const runs = readFileSync(${JSON.stringify(counter)}, 'utf8').length;
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
const status = { token: 'run' + runs + '-' + info.apiVersion.split('/')[1] + '-' + process.env.EXTRA + '-' + (info.spec.cluster ? 'cluster' : 'nocluster') };
if (process.env.EXPIRES === 'past') status.expirationTimestamp = new Date(Date.now() - 1000).toISOString();
if (process.argv[2] === 'bad') { process.stdout.write('not json'); process.exit(0); }
if (process.argv[2] === 'fail') { process.stderr.write('login required'); process.exit(1); }
process.stdout.write(JSON.stringify({ apiVersion: info.apiVersion, kind: 'ExecCredential', status }));
`);
  const doc = (exec: string) => `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${echo.url}", certificate-authority-data: ${b64(echo.ca)}}}]
users: [{name: u, user: {exec: ${exec}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;
  const node = JSON.stringify(process.execPath);
  const api = apiClientFor(kubeAccessFromString(doc(`{apiVersion: client.authentication.k8s.io/v1, command: ${node}, args: [${JSON.stringify(plugin)}], env: [{name: EXTRA, value: hello}], provideClusterInfo: true}`)));
  t.same(await api.getJson('/'), { authorization: 'Bearer run1-v1-hello-cluster', clientCN: null });
  t.same(await api.getJson('/'), { authorization: 'Bearer run1-v1-hello-cluster', clientCN: null }, 'no expiry: kept, the plugin is not run again');

  const expiring = apiClientFor(kubeAccessFromString(doc(`{apiVersion: client.authentication.k8s.io/v1beta1, command: ${node}, args: [${JSON.stringify(plugin)}], env: [{name: EXTRA, value: b}, {name: EXPIRES, value: past}]}`)));
  t.same(await expiring.getJson('/'), { authorization: 'Bearer run2-v1beta1-b-nocluster', clientCN: null });
  t.same(await expiring.getJson('/'), { authorization: 'Bearer run3-v1beta1-b-nocluster', clientCN: null }, 'expired: the plugin runs again');

  await t.rejects(apiClientFor(kubeAccessFromString(doc(`{apiVersion: client.authentication.k8s.io/v1, command: ${node}, args: [${JSON.stringify(plugin)}, fail], installHint: "install the plugin"}`))).getJson('/'), { status: 0, reason: 'Credentials', message: /exec credential plugin .* failed.*install the plugin/ });
  await t.rejects(apiClientFor(kubeAccessFromString(doc(`{apiVersion: client.authentication.k8s.io/v1, command: ${node}, args: [${JSON.stringify(plugin)}, bad]}`))).getJson('/'), { reason: 'Credentials', message: /did not print an ExecCredential/ });
  await t.rejects(apiClientFor(kubeAccessFromString(doc('{apiVersion: client.authentication.k8s.io/v1, command: kp-no-such-plugin}'))).getJson('/'), { reason: 'Credentials', message: /command not found/ });
  t.throws(() => kubeAccessFromString(doc('{apiVersion: client.authentication.k8s.io/v1alpha1, command: x}')), /not supported/);
});

t.test('in-cluster: server from the environment, the mounted CA and token', async (t) => {
  const echo = await httpsEcho(t);
  const sa = await mkdtemp(join(tmpdir(), 'kp-sa-'));
  t.teardown(() => rm(sa, { recursive: true, force: true }));
  await writeFile(join(sa, 'token'), 'sa-token\n');
  await writeFile(join(sa, 'ca.crt'), echo.ca);
  const port = new URL(echo.url).port;
  const access = await loadKubeConfig({ inCluster: true, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port }, saDir: sa });
  t.ok(access && 'kc' in access);
  if (!access || !('kc' in access)) return;
  t.equal(access.where, 'in-cluster service account');
  t.equal(access.kc.context, 'in-cluster');
  t.same(await apiClientFor(access.kc).getJson('/'), { authorization: 'Bearer sa-token', clientCN: null });
  t.match(await loadKubeConfig({ inCluster: true, env: {}, saDir: sa }), { error: /KUBERNETES_SERVICE_HOST/ });
});

t.test('what is not supported is an error that says so, never a silent anonymous request', async (t) => {
  const base = (cluster: string, user: string) => `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: ${cluster}}]
users: [{name: u, user: ${user}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;
  t.throws(() => kubeAccessFromString(base('{server: "https://a:6443"}', '{auth-provider: {name: oidc, config: {}}}')), /auth-provider "oidc" is not supported.*exec/);
  t.throws(() => kubeAccessFromString(base('{server: "https://a:6443", proxy-url: "http://proxy:3128"}', '{token: x}')), /proxy-url is not supported/);
  t.throws(() => kubeAccessFromString(base('{server: "not a url"}', '{token: x}')), /not a URL/);
  t.throws(() => kubeAccessFromString('- a list'), /not a YAML mapping/);
  t.throws(() => kubeAccessFromString('a: [unclosed'), /not YAML/);
  t.throws(() => kubeAccessFromString(base('{server: "https://a:6443"}', '{token: x}').replace('current-context: x', '')), /no current-context/);
  t.throws(() => kubeAccessFromString(base('{}', '{token: x}')), /no current cluster/);
});
