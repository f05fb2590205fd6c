/**
 * Cluster access: where the kubeconfig comes from and loading it. The one place that decides how a
 * kube-posture process reaches the API server; every command that talks to a cluster starts here.
 *
 * The kubeconfig is read here (with the `yaml` package), not through client-node's `KubeConfig`: that
 * module imports client-node's whole generated API (about 31 MiB of heap, 80 MiB of RSS), which the
 * scanner never calls, and the scanner's memory limit is 256 MiB. What is supported is what the
 * scanner's users have: `--kubeconfig`, `--context`, the in-cluster service account, a bearer token
 * (`token`, `tokenFile`), client certificates (`client-certificate[-data]`, `client-key[-data]`), basic
 * auth, exec credential plugins (`client.authentication.k8s.io/v1` and `v1beta1`: kubelogin,
 * aws, gke-gcloud-auth-plugin, ...), `certificate-authority[-data]`, `insecure-skip-tls-verify` and
 * `tls-server-name`. The legacy `auth-provider` plugins (removed from kubectl in 1.26) and `proxy-url`
 * are refused with a clear error rather than silently ignored.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
// Types only: client-node is loaded (by `clientNode()`) only for the webhook's namespace informer.
import type * as k8s from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { errorMessage } from '../core/errors.js';

/** What the process environment says about cluster access; read once, by a composition root. */
export interface ClusterEnvironment {
  /** KUBECONFIG (first existing entry) or ~/.kube/config when it exists; an explicit flag wins. */
  kubeconfigFile?: string;
  /** Running in a pod with a mounted service account token. */
  inCluster: boolean;
  /** The pod's namespace from the service account mount. */
  saNamespace?: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Resolves the environment: an explicit `--kubeconfig` wins; in a pod the service account is used;
 * elsewhere KUBECONFIG's first existing file, then ~/.kube/config.
 */
export function clusterEnvironment(env: { KUBERNETES_SERVICE_HOST?: string; KUBECONFIG?: string }, options: { kubeconfig?: string; home: string; saDir?: string }): ClusterEnvironment {
  const saDir = options.saDir ?? SERVICE_ACCOUNT_DIR;
  const inCluster = env.KUBERNETES_SERVICE_HOST !== undefined && existsSync(join(saDir, 'token'));
  const homeConfig = join(options.home, '.kube', 'config');
  const kubeconfigFile = options.kubeconfig ?? (inCluster ? undefined : (env.KUBECONFIG?.split(delimiter).find((f) => f !== '' && existsSync(f)) ?? (existsSync(homeConfig) ? homeConfig : undefined)));
  const saNamespace = inCluster && existsSync(join(saDir, 'namespace')) ? readFileSync(join(saDir, 'namespace'), 'utf8').trim() : undefined;
  return { ...(kubeconfigFile ? { kubeconfigFile } : {}), inCluster, ...(saNamespace ? { saNamespace } : {}) };
}

/** How requests reach one API server: its URL, TLS and credentials. */
export interface KubeAccess {
  /** The API server's URL (`https://host:6443`). */
  readonly server: string;
  /** The kubeconfig context in use, or `in-cluster`. */
  readonly context: string;
  /** Sets TLS options and the credentials on a request (a token file is read again, an exec plugin run again, when due). */
  apply(options: RequestOptions): Promise<void>;
  /** client-node's KubeConfig for the same access: only for client-node's informer (the webhook's namespace labels); loads client-node. */
  clientNode(): Promise<k8s.KubeConfig>;
}

type Source = { type: 'file'; file: string; context?: string } | { type: 'string'; text: string; context?: string } | { type: 'cluster' };

/** A token file (a projected service account token rotates) is read again after this long. */
const TOKEN_FILE_TTL_MS = 60_000;
/** An exec plugin's credentials without an expiry are kept this long; ones with an expiry until shortly before it. */
const EXEC_DEFAULT_TTL_MS = 5 * 60_000;
const EXEC_EXPIRY_MARGIN_MS = 10_000;
const EXEC_TIMEOUT_MS = 60_000;

interface Credentials {
  token?: string;
  cert?: Buffer;
  key?: Buffer;
}

type CredentialSource = () => Promise<Credentials>;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A named entry (`clusters`, `users`, `contexts`) of a kubeconfig; undefined when absent. */
function named(doc: Record<string, unknown>, list: string, field: string, name: string): Record<string, unknown> | undefined {
  const items = doc[list];
  if (!Array.isArray(items)) return undefined;
  const item = items.find((i) => isRecord(i) && i.name === name) as Record<string, unknown> | undefined;
  if (item === undefined) return undefined;
  return isRecord(item[field]) ? item[field] : {};
}

/** Inline data (base64) or a file (relative to the kubeconfig's folder, as kubectl reads it). */
function dataOrFile(entry: Record<string, unknown>, field: string, baseDir: string): Buffer | undefined {
  const data = str(entry[`${field}-data`]);
  if (data !== undefined) return Buffer.from(data, 'base64');
  const file = str(entry[field]);
  if (file === undefined) return undefined;
  return readFileSync(isAbsolute(file) ? file : resolve(baseDir, file));
}

/**
 * Reads a kubeconfig document. `context` picks a context other than `current-context`. Throws an Error
 * that names what is wrong (never a stack of YAML internals).
 */
export function parseKubeConfig(text: string, options: { context?: string; baseDir: string; source: Source }): KubeAccess {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`the kubeconfig is not YAML: ${errorMessage(err)}`);
  }
  if (!isRecord(doc)) throw new Error('the kubeconfig is not a YAML mapping');
  const contextName = options.context ?? str(doc['current-context']);
  if (contextName === undefined) throw new Error('no current-context in the kubeconfig (pass --context)');
  const context = named(doc, 'contexts', 'context', contextName);
  if (context === undefined) throw new Error(`no context ${JSON.stringify(contextName)} in the kubeconfig`);
  const clusterName = str(context.cluster);
  const cluster = clusterName !== undefined ? named(doc, 'clusters', 'cluster', clusterName) : undefined;
  if (cluster === undefined || str(cluster.server) === undefined) throw new Error('no current cluster in the kubeconfig');
  const server = serverUrl(str(cluster.server)!);
  if (str(cluster['proxy-url']) !== undefined) throw new Error(`cluster ${JSON.stringify(clusterName)}: proxy-url is not supported by kube-posture; reach the API server directly`);
  const userName = str(context.user);
  const user = userName !== undefined ? named(doc, 'users', 'user', userName) ?? {} : {};
  const ca = dataOrFile(cluster, 'certificate-authority', options.baseDir);
  const tls = {
    ...(ca !== undefined ? { ca } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { rejectUnauthorized: false } : {}),
    ...(str(cluster['tls-server-name']) !== undefined ? { servername: str(cluster['tls-server-name'])! } : {}),
  };
  const credentials = userCredentials(user, userName ?? '', options.baseDir, { server, ...(ca !== undefined ? { ca } : {}), insecure: cluster['insecure-skip-tls-verify'] === true });
  return access(server, contextName, tls, credentials, options.source);
}

function serverUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new Error(`the cluster's server ${JSON.stringify(server)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`the cluster's server ${JSON.stringify(server)} is not an http(s) URL`);
  return server;
}

function userCredentials(user: Record<string, unknown>, name: string, baseDir: string, cluster: { server: string; ca?: Buffer; insecure: boolean }): CredentialSource {
  if (isRecord(user['auth-provider'])) {
    throw new Error(`user ${JSON.stringify(name)}: auth-provider ${JSON.stringify(str(user['auth-provider'].name) ?? '')} is not supported (kubectl removed these plugins in 1.26); use an exec credential plugin (kubelogin, gke-gcloud-auth-plugin, ...)`);
  }
  const cert = dataOrFile(user, 'client-certificate', baseDir);
  const key = dataOrFile(user, 'client-key', baseDir);
  if ((cert === undefined) !== (key === undefined)) throw new Error(`user ${JSON.stringify(name)}: a client certificate needs its key, and a key its certificate`);
  const fixed: Credentials = { ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
  if (isRecord(user.exec)) {
    const exec = execPlugin(user.exec, name, baseDir, cluster);
    return async () => ({ ...fixed, ...(await exec()) });
  }
  const token = str(user.token);
  if (token !== undefined) {
    const withToken = { ...fixed, token };
    return async () => withToken;
  }
  const tokenFile = str(user.tokenFile);
  if (tokenFile !== undefined) {
    const read = tokenFromFile(isAbsolute(tokenFile) ? tokenFile : resolve(baseDir, tokenFile));
    return async () => ({ ...fixed, token: read() });
  }
  const username = str(user.username);
  const password = typeof user.password === 'string' ? user.password : undefined;
  if (username !== undefined && password !== undefined) {
    const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    return async () => ({ ...fixed, token: basic });
  }
  return async () => fixed;
}

/** A token read from a file, again once it is older than a minute (projected tokens rotate). */
function tokenFromFile(file: string): () => string {
  let cached: { token: string; at: number } | undefined;
  const read = () => readFileSync(file, 'utf8').trim();
  // Read once now: a missing file is an error at load, not on the first request.
  cached = { token: read(), at: Date.now() };
  return () => {
    if (Date.now() - cached!.at > TOKEN_FILE_TTL_MS) cached = { token: read(), at: Date.now() };
    return cached!.token;
  };
}

/**
 * An exec credential plugin (client-go's protocol): the command is run (no shell) with
 * KUBERNETES_EXEC_INFO, its stdout is an ExecCredential whose `status` holds a token or a client
 * certificate and an optional expiry. Credentials are kept until shortly before they expire.
 */
function execPlugin(exec: Record<string, unknown>, user: string, baseDir: string, cluster: { server: string; ca?: Buffer; insecure: boolean }): () => Promise<Credentials> {
  const command = str(exec.command);
  if (command === undefined) throw new Error(`user ${JSON.stringify(user)}: exec has no command`);
  const apiVersion = str(exec.apiVersion) ?? 'client.authentication.k8s.io/v1';
  if (apiVersion !== 'client.authentication.k8s.io/v1' && apiVersion !== 'client.authentication.k8s.io/v1beta1') throw new Error(`user ${JSON.stringify(user)}: exec apiVersion ${JSON.stringify(apiVersion)} is not supported (v1 or v1beta1)`);
  const args = Array.isArray(exec.args) ? exec.args.filter((a): a is string => typeof a === 'string') : [];
  const extraEnv: Record<string, string> = {};
  if (Array.isArray(exec.env)) for (const e of exec.env) if (isRecord(e) && typeof e.name === 'string' && typeof e.value === 'string') extraEnv[e.name] = e.value;
  // As kubectl: a command given as a relative path (with a slash) is relative to the kubeconfig's folder.
  const file = command.includes('/') && !isAbsolute(command) ? resolve(baseDir, command) : command;
  const info = {
    apiVersion,
    kind: 'ExecCredential',
    spec: {
      interactive: false,
      ...(exec.provideClusterInfo === true ? { cluster: { server: cluster.server, ...(cluster.ca ? { 'certificate-authority-data': cluster.ca.toString('base64') } : {}), 'insecure-skip-tls-verify': cluster.insecure } } : {}),
    },
  };
  const hint = str(exec.installHint);
  let cached: { creds: Credentials; until: number } | undefined;
  let running: Promise<Credentials> | undefined;
  const run = () => new Promise<Credentials>((done, fail) => {
    execFile(file, args, { env: { ...process.env, ...extraEnv, KUBERNETES_EXEC_INFO: JSON.stringify(info) }, timeout: EXEC_TIMEOUT_MS, maxBuffer: 1024 * 1024, encoding: 'utf8' }, (err, stdout) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        fail(new Error(`exec credential plugin ${JSON.stringify(command)} failed: ${code === 'ENOENT' ? 'command not found' : errorMessage(err).split('\n')[0]}${hint ? ` (${hint.trim()})` : ''}`));
        return;
      }
      let status: Record<string, unknown> | undefined;
      try {
        const out = JSON.parse(stdout) as unknown;
        status = isRecord(out) && isRecord(out.status) ? out.status : undefined;
      } catch {
        status = undefined;
      }
      if (status === undefined) {
        fail(new Error(`exec credential plugin ${JSON.stringify(command)} did not print an ExecCredential with a status`));
        return;
      }
      const token = str(status.token);
      const cert = str(status.clientCertificateData);
      const key = str(status.clientKeyData);
      if (token === undefined && (cert === undefined || key === undefined)) {
        fail(new Error(`exec credential plugin ${JSON.stringify(command)} gave neither a token nor a client certificate and key`));
        return;
      }
      const creds: Credentials = { ...(token !== undefined ? { token } : {}), ...(cert !== undefined && key !== undefined ? { cert: Buffer.from(cert), key: Buffer.from(key) } : {}) };
      const expiry = str(status.expirationTimestamp) !== undefined ? Date.parse(str(status.expirationTimestamp)!) : NaN;
      cached = { creds, until: Number.isNaN(expiry) ? Date.now() + EXEC_DEFAULT_TTL_MS : expiry - EXEC_EXPIRY_MARGIN_MS };
      done(creds);
    });
  });
  return () => {
    if (cached !== undefined && Date.now() < cached.until) return Promise.resolve(cached.creds);
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
}

function access(server: string, context: string, tls: { ca?: Buffer; rejectUnauthorized?: boolean; servername?: string }, credentials: CredentialSource, source: Source): KubeAccess {
  return {
    server,
    context,
    async apply(options) {
      const creds = await credentials();
      if (tls.ca !== undefined) options.ca = tls.ca;
      if (tls.rejectUnauthorized === false) options.rejectUnauthorized = false;
      if (tls.servername !== undefined) options.servername = tls.servername;
      if (creds.cert !== undefined) options.cert = creds.cert;
      if (creds.key !== undefined) options.key = creds.key;
      if (creds.token !== undefined) {
        const headers = (options.headers ?? {}) as Record<string, string | number | string[]>;
        headers.authorization = creds.token.startsWith('Basic ') ? creds.token : `Bearer ${creds.token}`;
        options.headers = headers;
      }
    },
    async clientNode() {
      const client = await import('@kubernetes/client-node');
      const kc = new client.KubeConfig();
      if (source.type === 'file') kc.loadFromFile(source.file);
      else if (source.type === 'string') kc.loadFromString(source.text);
      else kc.loadFromCluster();
      if (source.type !== 'cluster') kc.setCurrentContext(context);
      return kc;
    },
  };
}

/** A kubeconfig given as text (tests, a kubeconfig from a Secret); relative paths are relative to `baseDir` (default the working directory). */
export function kubeAccessFromString(text: string, options: { context?: string; baseDir?: string } = {}): KubeAccess {
  return parseKubeConfig(text, { ...(options.context !== undefined ? { context: options.context } : {}), baseDir: options.baseDir ?? process.cwd(), source: { type: 'string', text, ...(options.context !== undefined ? { context: options.context } : {}) } });
}

/** A kubeconfig file; relative paths in it are relative to its folder, as kubectl reads them. */
export function kubeAccessFromFile(file: string, options: { context?: string } = {}): KubeAccess {
  const text = readFileSync(file, 'utf8');
  return parseKubeConfig(text, { ...(options.context !== undefined ? { context: options.context } : {}), baseDir: dirname(resolve(file)), source: { type: 'file', file, ...(options.context !== undefined ? { context: options.context } : {}) } });
}

/**
 * The pod's service account: the API server from KUBERNETES_SERVICE_HOST/PORT, its CA and its token
 * (read again every minute: the kubelet rotates projected tokens).
 */
export function inClusterAccess(env: { KUBERNETES_SERVICE_HOST?: string; KUBERNETES_SERVICE_PORT?: string } = process.env, saDir = SERVICE_ACCOUNT_DIR): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || port === undefined) throw new Error('not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const caFile = join(saDir, 'ca.crt');
  const ca = existsSync(caFile) && statSync(caFile).isFile() ? readFileSync(caFile) : undefined;
  const token = tokenFromFile(join(saDir, 'token'));
  return access(server, 'in-cluster', ca !== undefined ? { ca } : {}, async () => ({ token: token() }), { type: 'cluster' });
}

/**
 * Loads cluster access: a kubeconfig file when one is given, else the in-cluster service account
 * when running in a pod. `context` picks a kubeconfig context other than the current one.
 * Returns undefined when there is none, or the reason it cannot be used.
 */
export async function loadKubeConfig(options: { kubeconfigFile?: string; inCluster: boolean; context?: string; env?: { KUBERNETES_SERVICE_HOST?: string; KUBERNETES_SERVICE_PORT?: string }; saDir?: string }): Promise<{ kc: KubeAccess; where: string } | { error: string } | undefined> {
  if (!options.kubeconfigFile && !options.inCluster) return undefined;
  try {
    if (options.kubeconfigFile) {
      const kc = kubeAccessFromFile(options.kubeconfigFile, options.context !== undefined ? { context: options.context } : {});
      return { kc, where: `kubeconfig ${options.kubeconfigFile}, context ${kc.context}` };
    }
    return { kc: inClusterAccess(options.env ?? process.env, options.saDir ?? SERVICE_ACCOUNT_DIR), where: 'in-cluster service account' };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}
