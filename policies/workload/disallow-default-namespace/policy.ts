import { asString, defineObjectPolicy, getIn } from '../../../src/sdk.js';

/**
 * Restricts the namespace of workloads, Services and Ingresses to anything but
 * `default` (or the configured list). Objects in `default` share one flat space with no quota, no
 * network policy and no RBAC boundary of their own, and are usually there by accident (a manifest
 * without a namespace applied with a default context). The namespace is the request's (admission) or
 * the object's `metadata.namespace` (manifests); a manifest that names no namespace is not judged,
 * because where it lands depends on how it is applied. The objects Kubernetes itself keeps in every
 * namespace (the `kubernetes` Service) are not flagged. ConfigMaps and Secrets are left out on purpose:
 * judging them would route every Secret write through the webhook (its data included) for a hygiene
 * warning, and the workload that uses them is flagged anyway.
 */
const BUILT_IN: Readonly<Record<string, string>> = { Service: 'kubernetes' };

export default defineObjectPolicy<{ forbiddenNamespaces: string[] }>({
  id: 'disallow-default-namespace',
  title: 'Workloads must not run in the default namespace',
  description:
    'Pods, workload controllers (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob), Services, ' +
    'and Ingresses must not be created in a namespace listed in `forbiddenNamespaces` (default: `default`). ' +
    'The namespace is taken from the admission request, or from `metadata.namespace` for manifests; objects without one are not judged.',
  severity: 'low',
  category: 'workload',
  controls: ['cis-k8s:5.7.4', 'cis-k8s:5.7.1', 'nsa:network-separation'],
  remediation: 'Create a namespace for the application (with its own quota, network policies and RBAC) and deploy there.',
  defaultAction: 'warn',
  recommended: 'warn',
  match: {
    kinds: [
      'Pod', 'ReplicationController', 'ReplicaSet.apps', 'Deployment.apps', 'StatefulSet.apps', 'DaemonSet.apps', 'Job.batch', 'CronJob.batch',
      'Service', 'Ingress.networking.k8s.io',
    ],
  },
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      forbiddenNamespaces: {
        type: 'array',
        description: 'Namespaces no workload may be created in.',
        items: { type: 'string', minLength: 1 },
        uniqueItems: true,
        default: ['default'],
      },
    },
  },
  check(object, ctx) {
    const namespace = ctx.input.namespace ?? asString(getIn(object, ['metadata', 'namespace']));
    if (namespace === undefined || !ctx.params.forbiddenNamespaces.includes(namespace)) return [];
    const kind = asString(object.kind) ?? ctx.input.kind.kind;
    const name = asString(getIn(object, ['metadata', 'name'])) ?? ctx.input.name;
    if (name !== undefined && BUILT_IN[kind] === name) return [];
    return [{
      path: ['metadata', 'namespace'],
      message: `${kind} is in the "${namespace}" namespace; deploy applications into their own namespace`,
      value: namespace,
    }];
  },
});
