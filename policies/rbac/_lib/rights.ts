import type { Permission } from '../../../src/sdk.js';

/**
 * The dangerous rights the RBAC policies look for, in one place so that the single-purpose policies
 * and the aggregation policy agree on what each right is. Core group is `""`.
 */
const RBAC = 'rbac.authorization.k8s.io';
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;

export const RIGHTS = {
  escalate: [{ group: RBAC, resources: ['roles', 'clusterroles'], verbs: ['escalate'] }],
  bind: [{ group: RBAC, resources: ['roles', 'clusterroles'], verbs: ['bind'] }],
  impersonate: [
    { group: '', resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] },
    // `userextras/<key>` names an open-ended family of subresources: `userextras/*` is our notation for "any key".
    { group: 'authentication.k8s.io', resources: ['uids', 'userextras/*'], verbs: ['impersonate'] },
  ],
  secretsRead: [{ group: '', resources: ['secrets'], verbs: ['get', 'list', 'watch'] }],
  createPods: [{ group: '', resources: ['pods'], verbs: ['create'] }],
  createWorkloads: [
    { group: 'apps', resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['create'] },
    { group: 'batch', resources: ['jobs', 'cronjobs'], verbs: ['create'] },
    { group: '', resources: ['replicationcontrollers'], verbs: ['create'] },
  ],
  // Exec, attach and port-forward are `create` on the subresource; the WebSocket form of these
  // requests is a GET, which older API servers authorize with the `get` verb.
  podExecAttach: [{ group: '', resources: ['pods/exec', 'pods/attach'], verbs: ['create', 'get'] }],
  podPortForward: [{ group: '', resources: ['pods/portforward'], verbs: ['create', 'get'] }],
  ephemeralContainers: [{ group: '', resources: ['pods/ephemeralcontainers'], verbs: ['update', 'patch'] }],
  // Any verb: GET on nodes/proxy reaches the kubelet API, which includes its exec and run endpoints.
  nodesProxy: [{ group: '', resources: ['nodes/proxy'] }],
  serviceAccountToken: [{ group: '', resources: ['serviceaccounts/token'], verbs: ['create'] }],
  csrApproval: [
    { group: 'certificates.k8s.io', resources: ['certificatesigningrequests/approval'], verbs: ['update', 'patch'] },
    { group: 'certificates.k8s.io', resources: ['signers'], verbs: ['approve'] },
  ],
  csrSigning: [
    { group: 'certificates.k8s.io', resources: ['certificatesigningrequests/status'], verbs: ['update', 'patch'] },
    { group: 'certificates.k8s.io', resources: ['signers'], verbs: ['sign'] },
  ],
  admissionConfiguration: [{
    group: 'admissionregistration.k8s.io',
    resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings'],
    verbs: WRITE,
  }],
  createPersistentVolumes: [{ group: '', resources: ['persistentvolumes'], verbs: ['create'] }],
} satisfies Record<string, Permission[]>;

export type RightName = keyof typeof RIGHTS;

/** Human names of the rights, for messages. */
export const RIGHT_LABELS: Record<RightName, string> = {
  escalate: 'escalate on roles',
  bind: 'bind on roles',
  impersonate: 'impersonation',
  secretsRead: 'read access to Secrets',
  createPods: 'creating Pods',
  createWorkloads: 'creating workloads',
  podExecAttach: 'exec/attach into Pods',
  podPortForward: 'port-forwarding to Pods',
  ephemeralContainers: 'adding ephemeral containers',
  nodesProxy: 'nodes/proxy',
  serviceAccountToken: 'creating service account tokens',
  csrApproval: 'approving certificate signing requests',
  csrSigning: 'signing certificate signing requests',
  admissionConfiguration: 'changing admission webhooks and policies',
  createPersistentVolumes: 'creating PersistentVolumes',
};
