import { asString, defineObjectPolicy } from '../../../src/sdk.js';

/**
 * An API version no Kubernetes release still serves (or one that is deprecated and will go), as kubent
 * and pluto report them. The table follows the Kubernetes deprecation guide
 * (https://kubernetes.io/docs/reference/using-api/deprecation-guide/): per group/version and kind,
 * the release that deprecated it, the release that stopped serving it, and what replaces it.
 * The object is still judged by the other policies as the kind it became (an `extensions/v1beta1`
 * DaemonSet as an `apps/v1` one), so a removed version never hides a privileged pod.
 */
interface ApiVersionStatus {
  deprecatedIn: string;
  /** Undefined: deprecated but still served. */
  removedIn?: string;
  /** What to use instead; undefined when nothing replaces it (PodSecurityPolicy). */
  replacement?: string;
}

type Row = [apiVersion: string, kinds: string[], deprecatedIn: string, removedIn: string | undefined, replacement: string | undefined];

const ROWS: Row[] = [
  // v1.16
  ['extensions/v1beta1', ['Deployment', 'DaemonSet', 'ReplicaSet'], '1.9', '1.16', 'apps/v1'],
  ['extensions/v1beta1', ['NetworkPolicy'], '1.9', '1.16', 'networking.k8s.io/v1'],
  ['extensions/v1beta1', ['PodSecurityPolicy'], '1.11', '1.16', undefined],
  ['apps/v1beta1', ['Deployment', 'StatefulSet', 'ControllerRevision'], '1.9', '1.16', 'apps/v1'],
  ['apps/v1beta2', ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision'], '1.9', '1.16', 'apps/v1'],
  // v1.22
  ['extensions/v1beta1', ['Ingress'], '1.14', '1.22', 'networking.k8s.io/v1'],
  ['networking.k8s.io/v1beta1', ['Ingress', 'IngressClass'], '1.19', '1.22', 'networking.k8s.io/v1'],
  ['admissionregistration.k8s.io/v1beta1', ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], '1.16', '1.22', 'admissionregistration.k8s.io/v1'],
  ['apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], '1.16', '1.22', 'apiextensions.k8s.io/v1'],
  ['apiregistration.k8s.io/v1beta1', ['APIService'], '1.19', '1.22', 'apiregistration.k8s.io/v1'],
  ['authentication.k8s.io/v1beta1', ['TokenReview'], '1.19', '1.22', 'authentication.k8s.io/v1'],
  ['authorization.k8s.io/v1beta1', ['SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectAccessReview'], '1.19', '1.22', 'authorization.k8s.io/v1'],
  ['certificates.k8s.io/v1beta1', ['CertificateSigningRequest'], '1.19', '1.22', 'certificates.k8s.io/v1'],
  ['coordination.k8s.io/v1beta1', ['Lease'], '1.19', '1.22', 'coordination.k8s.io/v1'],
  ['rbac.authorization.k8s.io/v1beta1', ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], '1.17', '1.22', 'rbac.authorization.k8s.io/v1'],
  ['rbac.authorization.k8s.io/v1alpha1', ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], '1.17', '1.22', 'rbac.authorization.k8s.io/v1'],
  ['scheduling.k8s.io/v1beta1', ['PriorityClass'], '1.14', '1.22', 'scheduling.k8s.io/v1'],
  ['storage.k8s.io/v1beta1', ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], '1.19', '1.22', 'storage.k8s.io/v1'],
  // v1.25
  ['batch/v1beta1', ['CronJob'], '1.21', '1.25', 'batch/v1'],
  ['discovery.k8s.io/v1beta1', ['EndpointSlice'], '1.21', '1.25', 'discovery.k8s.io/v1'],
  ['events.k8s.io/v1beta1', ['Event'], '1.22', '1.25', 'events.k8s.io/v1'],
  ['autoscaling/v2beta1', ['HorizontalPodAutoscaler'], '1.22', '1.25', 'autoscaling/v2'],
  ['policy/v1beta1', ['PodDisruptionBudget'], '1.21', '1.25', 'policy/v1'],
  ['policy/v1beta1', ['PodSecurityPolicy'], '1.21', '1.25', undefined],
  ['node.k8s.io/v1beta1', ['RuntimeClass'], '1.22', '1.25', 'node.k8s.io/v1'],
  // v1.26
  ['flowcontrol.apiserver.k8s.io/v1beta1', ['FlowSchema', 'PriorityLevelConfiguration'], '1.23', '1.26', 'flowcontrol.apiserver.k8s.io/v1'],
  ['autoscaling/v2beta2', ['HorizontalPodAutoscaler'], '1.23', '1.26', 'autoscaling/v2'],
  // v1.27
  ['storage.k8s.io/v1beta1', ['CSIStorageCapacity'], '1.24', '1.27', 'storage.k8s.io/v1'],
  // v1.29
  ['flowcontrol.apiserver.k8s.io/v1beta2', ['FlowSchema', 'PriorityLevelConfiguration'], '1.26', '1.29', 'flowcontrol.apiserver.k8s.io/v1'],
  // v1.32
  ['flowcontrol.apiserver.k8s.io/v1beta3', ['FlowSchema', 'PriorityLevelConfiguration'], '1.29', '1.32', 'flowcontrol.apiserver.k8s.io/v1'],
  // Deprecated, still served.
  ['v1', ['ComponentStatus'], '1.19', undefined, undefined],
  ['v1', ['Endpoints'], '1.33', undefined, 'discovery.k8s.io/v1 EndpointSlice'],
];

const TABLE: ReadonlyMap<string, ApiVersionStatus> = new Map(ROWS.flatMap(([apiVersion, kinds, deprecatedIn, removedIn, replacement]) =>
  kinds.map((kind): [string, ApiVersionStatus] => [`${apiVersion} ${kind}`, { deprecatedIn, ...(removedIn !== undefined ? { removedIn } : {}), ...(replacement !== undefined ? { replacement } : {}) }])));

export default defineObjectPolicy({
  id: 'api-removed-versions',
  title: 'Objects must use API versions that Kubernetes still serves',
  description:
    'Flags an object whose `apiVersion` and `kind` no Kubernetes release serves any more (removed: `extensions/v1beta1` and ' +
    '`apps/v1beta1`/`v1beta2` workloads in 1.16, `*/v1beta1` RBAC, Ingress, webhooks and CRDs in 1.22, `policy/v1beta1` ' +
    'PodSecurityPolicy and PodDisruptionBudget, `batch/v1beta1` CronJob and `autoscaling/v2beta1` in 1.25, `autoscaling/v2beta2` and ' +
    '`flowcontrol/v1beta1` in 1.26, ...) or that is deprecated and will be removed, with the release that deprecated and removed it ' +
    '(the Kubernetes deprecation guide). Such a manifest cannot be applied to a current cluster. Its pod template and fields are ' +
    'still judged by the other policies as the kind it became.',
  severity: 'medium',
  category: 'api',
  controls: [],
  remediation: 'Move the manifest to the replacement API version named in the message (`kubectl convert` can rewrite it); a PodSecurityPolicy has none: use Pod Security Admission labels or this webhook.',
  defaultAction: 'warn',
  recommended: 'warn',
  // Every kind: the version is the subject, whatever the object is.
  match: { kinds: ['*'] },
  check(object) {
    const apiVersion = asString(object.apiVersion);
    const kind = asString(object.kind);
    if (apiVersion === undefined || kind === undefined) return [];
    const status = TABLE.get(`${apiVersion} ${kind}`);
    if (status === undefined) return [];
    const instead = status.replacement !== undefined ? `; use ${status.replacement}` : '; nothing replaces it';
    const message = status.removedIn !== undefined
      ? `${apiVersion} ${kind} is no longer served since Kubernetes ${status.removedIn} (deprecated in ${status.deprecatedIn})${instead}`
      : `${apiVersion} ${kind} is deprecated since Kubernetes ${status.deprecatedIn}${instead}`;
    return [{ path: ['apiVersion'], message, value: apiVersion }];
  },
});
