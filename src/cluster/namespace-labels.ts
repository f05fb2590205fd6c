/**
 * Where the webhook learns a namespace's labels. Reviews never call the API server: labels come from
 * a cache that an informer (list + watch of Namespaces) keeps current, or from nowhere at all when
 * the server has no cluster access (then the configuration alone decides, as for an unknown namespace).
 */
// Types only at load time: the client (its generated API) costs about 70 MiB of RSS, so it is
// imported when there is cluster access, not by a server that runs on its configuration alone.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorMessage } from '../core/errors.js';
import type { KubeAccess } from './kubeconfig.js';

export interface NamespaceLabelSource {
  /** Labels of a namespace, or undefined when it is not (yet) known. Never throws, never blocks. */
  labelsOf(namespace: string): Record<string, string> | undefined;
  /** True once the source can answer (the first list finished; always true without a cluster). */
  synced(): boolean;
  size(): number;
  readonly description: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** No cluster context: every namespace is unknown. */
export function noNamespaceLabels(): NamespaceLabelSource {
  return {
    labelsOf: () => undefined,
    synced: () => true,
    size: () => 0,
    description: 'none (no cluster access: namespace labels are not read)',
    start: async () => {},
    stop: async () => {},
  };
}

/** A fixed map of namespace labels, for tests and offline use. */
export function staticNamespaceLabels(labels: Record<string, Record<string, string>>): NamespaceLabelSource {
  const map = new Map(Object.entries(labels));
  return {
    labelsOf: (ns) => map.get(ns),
    synced: () => true,
    size: () => map.size,
    description: 'static',
    start: async () => {},
    stop: async () => {},
  };
}

/** The minimum of an informer this module uses, so tests can pass a fake. */
export interface NamespaceInformer {
  on(verb: 'add' | 'update' | 'delete', cb: (obj: k8s.V1Namespace) => void): void;
  on(verb: 'error', cb: (err?: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface InformerSourceOptions {
  logger: Logger;
  /** Restart delay after a watch or list error, doubled up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  onChange?: (synced: boolean, size: number) => void;
}

/**
 * Namespace labels from an informer. The informer's own cache is not used: only labels are kept,
 * frozen, in a map keyed by name, so a lookup is one Map.get.
 *
 * `makeInformer` calls `markSynced` (wrapped around the list call) once a list succeeded; until then
 * `synced()` is false and the readiness probe says so.
 */
export function informerNamespaceLabels(make: (markSynced: () => void) => NamespaceInformer, description: string, options: InformerSourceOptions): NamespaceLabelSource {
  const labels = new Map<string, Record<string, string>>();
  let isSynced = false;
  let stopped = true;
  let backoff = options.backoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const notify = (): void => options.onChange?.(isSynced, labels.size);

  const informer = make(() => {
    if (!isSynced) options.logger.info({ namespaces: labels.size }, 'namespace cache synced');
    isSynced = true;
    backoff = options.backoffMs ?? 1000;
    notify();
  });
  const put = (ns: k8s.V1Namespace): void => {
    const name = ns?.metadata?.name;
    if (typeof name !== 'string') return;
    const l = ns.metadata?.labels;
    labels.set(name, Object.freeze({ ...(l && typeof l === 'object' ? l : {}) }));
    notify();
  };
  informer.on('add', put);
  informer.on('update', put);
  informer.on('delete', (ns) => {
    const name = ns?.metadata?.name;
    if (typeof name === 'string' && labels.delete(name)) notify();
  });
  informer.on('error', (err) => {
    // The client stops the informer on error; restart it with backoff. The cache keeps serving the
    // last known labels meanwhile (a stale label beats none for a namespace that exists).
    options.logger.warn({ err: errorMessage(err), retryInMs: backoff }, 'namespace watch failed; restarting');
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped) informer.start().catch((e: unknown) => options.logger.warn({ err: errorMessage(e) }, 'namespace informer restart failed'));
    }, backoff);
    timer.unref();
    backoff = Math.min(maxBackoff, backoff * 2);
  });

  return {
    labelsOf: (ns) => labels.get(ns),
    synced: () => isSynced,
    size: () => labels.size,
    description,
    async start() {
      stopped = false;
      await informer.start();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await informer.stop();
    },
  };
}

/** The real informer over `/api/v1/namespaces`. */
export async function clusterNamespaceLabels(access: KubeAccess, where: string, options: InformerSourceOptions): Promise<NamespaceLabelSource> {
  const k8s = await import('@kubernetes/client-node');
  const kc = await access.clientNode();
  const api = kc.makeApiClient(k8s.CoreV1Api);
  return informerNamespaceLabels((markSynced) => {
    const list = async (): Promise<k8s.V1NamespaceList> => {
      const result = await api.listNamespace();
      // The informer fills its cache right after this promise settles; mark synced after that.
      setImmediate(markSynced);
      return result;
    };
    return k8s.makeInformer(kc, '/api/v1/namespaces', list) as unknown as NamespaceInformer;
  }, `informer (${where})`, options);
}
