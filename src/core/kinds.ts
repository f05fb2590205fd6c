/**
 * The resource kinds kube-posture knows how to inspect, with the REST resource each is served as
 * (needed to generate webhook rules) and, for workload kinds, where the pod template lives.
 */
export interface GroupKind { group: string; kind: string }

export interface KnownKind extends GroupKind {
  /** Plural REST resource name, as used in webhook rules. */
  resource: string;
  /** API versions served by current Kubernetes, newest first. */
  versions: string[];
  namespaced: boolean;
  /** For pod-bearing kinds: path from the object root to the pod (or pod template). */
  podPath?: readonly string[];
}

export const KNOWN_KINDS: readonly KnownKind[] = [
  { group: '', kind: 'Pod', resource: 'pods', versions: ['v1'], namespaced: true, podPath: [] },
  { group: '', kind: 'PodTemplate', resource: 'podtemplates', versions: ['v1'], namespaced: true, podPath: ['template'] },
  { group: '', kind: 'ReplicationController', resource: 'replicationcontrollers', versions: ['v1'], namespaced: true, podPath: ['spec', 'template'] },
  { group: 'apps', kind: 'ReplicaSet', resource: 'replicasets', versions: ['v1'], namespaced: true, podPath: ['spec', 'template'] },
  { group: 'apps', kind: 'Deployment', resource: 'deployments', versions: ['v1'], namespaced: true, podPath: ['spec', 'template'] },
  { group: 'apps', kind: 'StatefulSet', resource: 'statefulsets', versions: ['v1'], namespaced: true, podPath: ['spec', 'template'] },
  { group: 'apps', kind: 'DaemonSet', resource: 'daemonsets', versions: ['v1'], namespaced: true, podPath: ['spec', 'template'] },
  { group: 'batch', kind: 'Job', resource: 'jobs', versions: ['v1'], namespaced: true, podPath: ['spec', 'template'] },
  { group: 'batch', kind: 'CronJob', resource: 'cronjobs', versions: ['v1'], namespaced: true, podPath: ['spec', 'jobTemplate', 'spec', 'template'] },
  { group: 'rbac.authorization.k8s.io', kind: 'Role', resource: 'roles', versions: ['v1'], namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', resource: 'clusterroles', versions: ['v1'], namespaced: false },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', resource: 'rolebindings', versions: ['v1'], namespaced: true },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', versions: ['v1'], namespaced: false },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', resource: 'networkpolicies', versions: ['v1'], namespaced: true },
  { group: 'networking.k8s.io', kind: 'Ingress', resource: 'ingresses', versions: ['v1'], namespaced: true },
  { group: '', kind: 'Service', resource: 'services', versions: ['v1'], namespaced: true },
  { group: '', kind: 'Secret', resource: 'secrets', versions: ['v1'], namespaced: true },
  { group: '', kind: 'ConfigMap', resource: 'configmaps', versions: ['v1'], namespaced: true },
  { group: '', kind: 'ServiceAccount', resource: 'serviceaccounts', versions: ['v1'], namespaced: true },
  { group: '', kind: 'Namespace', resource: 'namespaces', versions: ['v1'], namespaced: false },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', resource: 'validatingwebhookconfigurations', versions: ['v1'], namespaced: false },
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', resource: 'mutatingwebhookconfigurations', versions: ['v1'], namespaced: false },
];

export const POD_KINDS: readonly KnownKind[] = KNOWN_KINDS.filter((k) => k.podPath !== undefined);

const byKey = new Map(KNOWN_KINDS.map((k) => [kindKey(k), k]));

/**
 * Kinds that moved groups: `extensions/v1beta1` served workloads, Ingress and NetworkPolicy until
 * 1.16/1.22. No cluster serves them now, but old manifests still name them; they are judged as the kind
 * they became (a privileged `extensions/v1beta1` DaemonSet is as privileged as an `apps/v1` one), and
 * the api-removed-versions policy says the version is gone.
 */
const MOVED_KINDS: ReadonlyMap<string, string> = new Map([
  ['DaemonSet.extensions', 'apps'],
  ['Deployment.extensions', 'apps'],
  ['ReplicaSet.extensions', 'apps'],
  ['Ingress.extensions', 'networking.k8s.io'],
  ['NetworkPolicy.extensions', 'networking.k8s.io'],
]);

/** The group and kind an object is judged as: its own, or the one a moved kind became. */
export function canonicalKind(gk: GroupKind): GroupKind {
  const group = MOVED_KINDS.get(kindKey(gk));
  return group === undefined ? gk : { group, kind: gk.kind };
}

/** `*` in an object policy's match.kinds: the policy looks at objects of every kind (e.g. API versions). */
export function isAnyKind(gk: GroupKind): boolean {
  return gk.kind === '*';
}

export function kindKey(gk: GroupKind): string {
  return gk.group === '' ? gk.kind : `${gk.kind}.${gk.group}`;
}

/** `apps/v1` -> `apps`; `v1` -> `` (the core group). */
export function groupOf(apiVersion: string | undefined): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

export function lookupKind(gk: GroupKind): KnownKind | undefined {
  return byKey.get(kindKey(gk)) ?? byKey.get(kindKey(canonicalKind(gk)));
}

/** Parses `Kind` or `Kind.group` (the form used in policy metadata and config). */
export function parseKindRef(ref: string): GroupKind {
  const dot = ref.indexOf('.');
  return dot === -1 ? { group: '', kind: ref } : { kind: ref.slice(0, dot), group: ref.slice(dot + 1) };
}
