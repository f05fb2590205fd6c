/**
 * The scanner benchmark's synthetic cluster: objects made on demand from (kind, index, revision), so
 * the server holds no objects and every run sees the same cluster. Realistic shapes: Deployments whose
 * pod templates are of mixed compliance, a ReplicaSet per Deployment and its Pods (ownerReferences,
 * the fields the API server defaults, the projected service-account token volume admission adds), standalone
 * Pods, Roles/ClusterRoles (some aggregated, some wildcard) and their bindings (some to missing roles),
 * NetworkPolicies (some namespaces without any) and namespaces with labels (some Pod Security levels).
 *
 * Counts are the (#13): 2,000 namespaces, 10,000 Deployments with a ReplicaSet each and 60,000
 * Pods, 10,000 standalone Pods, 15,000 RBAC objects, 3,000 NetworkPolicies: 110,000 objects served.
 */

export interface ResourceKind {
  /** `pods`, `deployments.apps`: how the server routes a path. */
  key: string;
  apiVersion: string;
  kind: string;
  namespaced: boolean;
  count: number;
}

export const NAMESPACES = 2000;
const DEPLOYMENTS = 10_000;
const PODS_PER_DEPLOYMENT = 6;
const OWNED_PODS = DEPLOYMENTS * PODS_PER_DEPLOYMENT;
const STANDALONE_PODS = 10_000;
/** Namespaces from this index on have no NetworkPolicy (netpol-namespace-without-policy finds them). */
const NAMESPACES_WITH_POLICIES = 1500;

export const RESOURCES: readonly ResourceKind[] = [
  { key: 'namespaces', apiVersion: 'v1', kind: 'Namespace', namespaced: false, count: NAMESPACES },
  { key: 'deployments.apps', apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true, count: DEPLOYMENTS },
  { key: 'replicasets.apps', apiVersion: 'apps/v1', kind: 'ReplicaSet', namespaced: true, count: DEPLOYMENTS },
  { key: 'pods', apiVersion: 'v1', kind: 'Pod', namespaced: true, count: OWNED_PODS + STANDALONE_PODS },
  { key: 'roles.rbac.authorization.k8s.io', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespaced: true, count: 5000 },
  { key: 'rolebindings.rbac.authorization.k8s.io', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespaced: true, count: 5000 },
  { key: 'clusterroles.rbac.authorization.k8s.io', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespaced: false, count: 2500 },
  { key: 'clusterrolebindings.rbac.authorization.k8s.io', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', namespaced: false, count: 2500 },
  { key: 'networkpolicies.networking.k8s.io', apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespaced: true, count: 3000 },
];

export const TOTAL_OBJECTS = RESOURCES.reduce((a, r) => a + r.count, 0);

/** The resourceVersion every unchanged object carries; changes count up from it. */
export const BASE_RESOURCE_VERSION = 1000;

const CREATED = '2026-01-10T08:00:00Z';

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** A uid in the form the API server gives, unique per (kind, index). */
export function uidOf(kindIndex: number, i: number): string {
  return `${hex(kindIndex + 1, 8)}-5eed-4${hex(i >>> 20, 3)}-8${hex((i >>> 8) & 0xfff, 3)}-${hex(i, 12)}`;
}

const KIND_INDEX = new Map(RESOURCES.map((r, i) => [r.key, i]));
const kindNo = (key: string) => KIND_INDEX.get(key)!;

export function namespaceName(n: number): string {
  return `team-${hex(n, 4)}`;
}

/** The namespace an object of the kind at index i lives in (without building it). */
export function namespaceOf(key: string, i: number): string | undefined {
  switch (key) {
    case 'namespaces':
    case 'clusterroles.rbac.authorization.k8s.io':
    case 'clusterrolebindings.rbac.authorization.k8s.io':
      return undefined;
    case 'pods':
      return namespaceName(i < OWNED_PODS ? Math.floor(i / PODS_PER_DEPLOYMENT) % NAMESPACES : (i - OWNED_PODS) % NAMESPACES);
    case 'networkpolicies.networking.k8s.io':
      return namespaceName(i % NAMESPACES_WITH_POLICIES);
    default:
      return namespaceName(i % NAMESPACES);
  }
}

/** A deterministic 10-character hash, as the pod-template-hash label looks. */
function templateHash(d: number, revision: number): string {
  let h = (d * 2654435761 + revision * 40503) >>> 0;
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let k = 0; k < 10; k++) {
    out += alphabet[h % alphabet.length];
    h = Math.floor(h / alphabet.length) + k * 7919;
  }
  return out;
}

type Json = Record<string, unknown>;

function meta(key: string, i: number, name: string, revision: number, rv: number, extra: Json = {}): Json {
  const namespace = namespaceOf(key, i);
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    uid: uidOf(kindNo(key), i),
    resourceVersion: String(rv),
    creationTimestamp: CREATED,
    ...(revision > 0 ? { annotations: { 'bench.kube-posture.io/revision': String(revision) } } : {}),
    ...extra,
  };
}

const APPS = ['checkout', 'cart', 'catalog', 'search', 'payments', 'ledger', 'gateway', 'profile', 'mailer', 'reports'];

/**
 * A pod spec of one of ten compliance variants: half restricted and clean, then no security context
 * nor resources, privileged, host path and host network, root with an added capability, latest tag without probes.
 */
function podSpec(variant: number, app: string, revision: number): Json {
  const image = variant === 9 ? `registry.example.com/${app}:latest` : `registry.example.com/${app}:1.${4 + (revision % 50)}.2`;
  const restricted = variant < 5;
  const container: Json = {
    name: app,
    image,
    ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
    env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    ...(variant !== 5 ? { resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } } } : {}),
    ...(variant !== 9 ? {
      readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 10 },
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 20 },
    } : {}),
    ...(restricted ? { securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } } } : {}),
    ...(variant === 6 ? { securityContext: { privileged: true } } : {}),
    ...(variant === 8 ? { securityContext: { runAsUser: 0, capabilities: { add: ['NET_ADMIN'] } } } : {}),
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(variant === 7 ? [{ name: 'host', mountPath: '/host' }] : [])],
  };
  return {
    containers: [container],
    volumes: [{ name: 'tmp', emptyDir: {} }, ...(variant === 7 ? [{ name: 'host', hostPath: { path: '/var/lib', type: 'Directory' } }] : [])],
    ...(restricted ? { securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } } } : {}),
    ...(variant === 7 ? { hostNetwork: true } : {}),
    serviceAccountName: variant % 3 === 0 ? 'default' : app,
    ...(variant === 2 ? { automountServiceAccountToken: false } : {}),
  };
}

/** What the API server and admission add to a pod made from a template. */
function asRunningPod(spec: Json, node: number, podIndex: number): Json {
  const containers = (spec.containers as Json[]).map((c) => ({
    ...c,
    imagePullPolicy: 'IfNotPresent',
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: [...(c.volumeMounts as Json[]), ...(spec.automountServiceAccountToken === false ? [] : [{ name: `kube-api-access-${hex(podIndex % 0xfffff, 5)}`, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }])],
  }));
  return {
    ...spec,
    containers,
    volumes: [...(spec.volumes as Json[]), ...(spec.automountServiceAccountToken === false ? [] : [{
      name: `kube-api-access-${hex(podIndex % 0xfffff, 5)}`,
      projected: { defaultMode: 420, sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ] },
    }])],
    nodeName: `node-${hex(node % 200, 3)}`,
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    terminationGracePeriodSeconds: 30,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
  };
}

function podStatus(i: number): Json {
  return {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: CREATED }, { type: 'PodScheduled', status: 'True', lastTransitionTime: CREATED }],
    hostIP: `10.0.${(i >> 8) & 255}.${i & 255}`,
    podIP: `10.244.${(i >> 8) & 255}.${i & 255}`,
    startTime: CREATED,
    qosClass: 'Burstable',
  };
}

function deploymentLabels(d: number): Record<string, string> {
  const app = APPS[d % APPS.length]!;
  return { 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': `${app}-${d}`, 'app.kubernetes.io/part-of': 'shop' };
}

function template(d: number, revision: number): Json {
  return { metadata: { labels: { ...deploymentLabels(d), 'pod-template-hash': templateHash(d, revision) } }, spec: podSpec(d % 10, APPS[d % APPS.length]!, revision) };
}

const deploymentName = (d: number) => `${APPS[d % APPS.length]}-${d}`;

/**
 * The object of the kind at index i, at a revision (0: as created; n: changed n times, which changes
 * what evaluation reads), carrying resourceVersion rv. Returned without apiVersion and kind, as list
 * items come; the server adds them to watch events.
 */
export function objectAt(key: string, i: number, revision: number, rv: number): Json {
  switch (key) {
    case 'namespaces': {
      const pss = i % 10 === 0 ? { 'pod-security.kubernetes.io/enforce': 'restricted' } : i % 10 === 1 ? { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted' } : {};
      return {
        metadata: meta(key, i, namespaceName(i), revision, rv, { labels: { 'kubernetes.io/metadata.name': namespaceName(i), team: `t${i % 97}`, env: i % 4 === 0 ? 'prod' : 'dev', ...pss } }),
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      };
    }
    case 'deployments.apps':
      return {
        metadata: meta(key, i, deploymentName(i), revision, rv, { labels: deploymentLabels(i), generation: 1 + revision }),
        spec: { replicas: PODS_PER_DEPLOYMENT, selector: { matchLabels: { 'app.kubernetes.io/instance': deploymentLabels(i)['app.kubernetes.io/instance'] } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, revisionHistoryLimit: 10, template: template(i, revision) },
        status: { replicas: PODS_PER_DEPLOYMENT, readyReplicas: PODS_PER_DEPLOYMENT, availableReplicas: PODS_PER_DEPLOYMENT, observedGeneration: 1 + revision },
      };
    case 'replicasets.apps':
      return {
        metadata: meta(key, i, `${deploymentName(i)}-${templateHash(i, 0)}`, revision, rv, {
          labels: { ...deploymentLabels(i), 'pod-template-hash': templateHash(i, 0) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName(i), uid: uidOf(kindNo('deployments.apps'), i), controller: true, blockOwnerDeletion: true }],
        }),
        spec: { replicas: PODS_PER_DEPLOYMENT, selector: { matchLabels: { 'app.kubernetes.io/instance': deploymentLabels(i)['app.kubernetes.io/instance'], 'pod-template-hash': templateHash(i, 0) } }, template: template(i, 0) },
        status: { replicas: PODS_PER_DEPLOYMENT, readyReplicas: PODS_PER_DEPLOYMENT },
      };
    case 'pods': {
      if (i < OWNED_PODS) {
        const d = Math.floor(i / PODS_PER_DEPLOYMENT);
        const rs = `${deploymentName(d)}-${templateHash(d, 0)}`;
        const t = template(d, 0);
        const labels = { ...(t.metadata as { labels: Json }).labels, ...(revision > 0 ? { 'bench.kube-posture.io/moved': String(revision) } : {}) };
        return {
          metadata: meta(key, i, `${rs}-${hex((i * 7919) % 0xfffff, 5)}`, revision, rv, {
            labels,
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: uidOf(kindNo('replicasets.apps'), d), controller: true, blockOwnerDeletion: true }],
          }),
          spec: asRunningPod(t.spec as Json, i, i),
          status: podStatus(i),
        };
      }
      const s = i - OWNED_PODS;
      const app = `job-${APPS[s % APPS.length]}`;
      return {
        metadata: meta(key, i, `${app}-${s}`, revision, rv, { labels: { app, ...(revision > 0 ? { 'bench.kube-posture.io/moved': String(revision) } : {}) } }),
        spec: asRunningPod(podSpec((s * 3) % 10, app, revision), i, i),
        status: podStatus(i),
      };
    }
    case 'roles.rbac.authorization.k8s.io': {
      const v = i % 8;
      const rules = v === 0 ? [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]
        : v === 1 ? [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]
          : v === 2 ? [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }]
            : [{ apiGroups: [''], resources: ['pods', 'services', 'configmaps'], verbs: ['get', 'list', 'watch'] }, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] }];
      if (revision > 0) rules.push({ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', `list`] });
      return { metadata: meta(key, i, `role-${i}`, revision, rv, { labels: { team: `t${i % 97}` } }), rules };
    }
    case 'rolebindings.rbac.authorization.k8s.io': {
      const ns = namespaceOf(key, i)!;
      const subjects: Json[] = [{ kind: 'ServiceAccount', name: APPS[i % APPS.length], namespace: ns }];
      if (i % 7 === 0) subjects.push({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `team-${i % 97}-devs` });
      if (i % 11 === 0) subjects.push({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `user${i % 500}@example.com` });
      if (revision > 0) subjects.push({ kind: 'ServiceAccount', name: 'default', namespace: ns });
      const roleRef = i % 50 === 0 ? { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `missing-${i}` }
        : i % 9 === 0 ? { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `cluster-role-${i % 2500}` }
          : { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `role-${i}` };
      return { metadata: meta(key, i, `binding-${i}`, revision, rv), roleRef, subjects };
    }
    case 'clusterroles.rbac.authorization.k8s.io': {
      const labels: Record<string, string> = { 'bench.kube-posture.io/aggregate-to': i % 3 === 0 ? 'viewers' : 'none' };
      if (i % 100 === 0) {
        return { metadata: meta(key, i, `cluster-role-${i}`, revision, rv, { labels }), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'bench.kube-posture.io/aggregate-to': 'viewers' } }] }, rules: [] };
      }
      const rules = i % 250 === 1 ? [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]
        : i % 5 === 0 ? [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }]
          : [{ apiGroups: ['', 'apps'], resources: ['pods', 'deployments', 'replicasets'], verbs: ['get', 'list', 'watch'] }];
      if (revision > 0) rules.push({ apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['get'] });
      return { metadata: meta(key, i, `cluster-role-${i}`, revision, rv, { labels }), rules };
    }
    case 'clusterrolebindings.rbac.authorization.k8s.io': {
      const subjects: Json[] = [{ kind: 'ServiceAccount', name: APPS[i % APPS.length], namespace: namespaceName(i % NAMESPACES) }];
      if (i % 13 === 0) subjects.push({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' });
      if (revision > 0) subjects.push({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `auditor${i}@example.com` });
      return { metadata: meta(key, i, `cluster-binding-${i}`, revision, rv), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: i % 40 === 0 ? `gone-${i}` : `cluster-role-${i}` }, subjects };
    }
    case 'networkpolicies.networking.k8s.io': {
      const app = APPS[i % APPS.length]!;
      const defaultDeny = i < NAMESPACES_WITH_POLICIES;
      return {
        metadata: meta(key, i, defaultDeny ? 'default-deny' : `allow-${app}`, revision, rv),
        spec: defaultDeny
          ? { podSelector: revision > 0 ? { matchLabels: { 'app.kubernetes.io/part-of': 'shop' } } : {}, policyTypes: ['Ingress', 'Egress'] }
          : { podSelector: { matchLabels: { 'app.kubernetes.io/name': app } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }] },
      };
    }
    default:
      throw new Error(`no such resource ${key}`);
  }
}
