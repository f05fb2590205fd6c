/**
 * Cluster access: where the kubeconfig comes from and loading it. The one place that decides how a
 * kube-posture process reaches the API server; every command that talks to a cluster starts here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
// Types only at load time: the client (its generated API) costs about 70 MiB of RSS, so it is
// imported when there is cluster access, not by a process that runs on its configuration alone.
import type * as k8s from '@kubernetes/client-node';
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

/**
 * Loads cluster access: a kubeconfig file when one is given, else the in-cluster service account
 * when running in a pod. `context` picks a kubeconfig context other than the current one.
 * Returns undefined when there is none, or the reason it cannot be used.
 */
export async function loadKubeConfig(options: { kubeconfigFile?: string; inCluster: boolean; context?: string }): Promise<{ kc: k8s.KubeConfig; where: string } | { error: string } | undefined> {
  if (!options.kubeconfigFile && !options.inCluster) return undefined;
  const client = await import('@kubernetes/client-node');
  const kc = new client.KubeConfig();
  try {
    if (options.kubeconfigFile) kc.loadFromFile(options.kubeconfigFile);
    else kc.loadFromCluster();
    if (options.context !== undefined) {
      if (!kc.getContexts().some((c) => c.name === options.context)) return { error: `no context ${JSON.stringify(options.context)} in the kubeconfig` };
      kc.setCurrentContext(options.context);
    }
  } catch (err) {
    return { error: errorMessage(err) };
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server) return { error: 'no current cluster in the kubeconfig' };
  return { kc, where: options.kubeconfigFile ? `kubeconfig ${options.kubeconfigFile}, context ${kc.getCurrentContext()}` : 'in-cluster service account' };
}
