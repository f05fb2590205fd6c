import { definePodPolicy, setAtViolation } from '../../../src/sdk.js';
import { serviceAccountOf } from '../service-account.js';

/**
 * Restricts `spec.automountServiceAccountToken` to `false` unless the pod runs as one of the service
 * accounts listed in `allowedServiceAccounts` (those that really call the Kubernetes API). The field
 * defaults to true, and a token that is mounted but unused is a credential an attacker in the container
 * gets for free. The ServiceAccount object can also turn automounting off: when it is known beside the pod
 * (`scan` over an input that holds it) and says `automountServiceAccountToken: false`, a pod that does not
 * set the field itself mounts no token and passes. An admission check sees only the pod, so there the pod
 * must say it itself; an explicit projected `serviceAccountToken` volume (audience- and time-bound) remains
 * possible for pods that need one.
 */
export default definePodPolicy<{ allowedServiceAccounts: string[] }>({
  id: 'restrict-service-account-token-automount',
  title: 'Service account tokens must not be mounted unless needed',
  description:
    'Pods must set `spec.automountServiceAccountToken: false`, unless their service account (`spec.serviceAccountName`, ' +
    'default `default`) is listed in `allowedServiceAccounts`, or the pod leaves the field unset and its ServiceAccount, ' +
    'known beside it (in `scan`, the same input), sets `automountServiceAccountToken: false`. Otherwise leaving the field ' +
    'unset mounts a token, because admission sees the pod alone and cannot know whether its ServiceAccount disables automounting.',
  severity: 'medium',
  category: 'workload',
  controls: ['cis-k8s:5.1.6', 'nsa:pod-security', 'mitre:T1528', 'mitre:T1552.007'],
  remediation:
    'Set `automountServiceAccountToken: false` in the pod spec; for pods that call the Kubernetes API, list their service account in the allowedServiceAccounts parameter.',
  defaultAction: 'warn',
  recommended: 'warn',
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      allowedServiceAccounts: {
        type: 'array',
        description: 'Service account names whose pods may mount a token (they call the Kubernetes API).',
        items: { type: 'string', minLength: 1 },
        uniqueItems: true,
        default: [],
      },
    },
  },
  fix: setAtViolation(false),
  check(pod, ctx) {
    const automount = pod.spec.automountServiceAccountToken;
    if (automount === false) return [];
    const sa = serviceAccountOf(pod.spec).name;
    if (ctx.params.allowedServiceAccounts.includes(sa)) return [];
    // The pod's own setting wins over its account's; unset, the account's `false` holds.
    if (automount === undefined && ctx.input.serviceAccounts?.get(ctx.input.namespace, sa)?.automountServiceAccountToken === false) return [];
    return [{
      path: ['spec', 'automountServiceAccountToken'],
      message: automount === undefined
        ? `automountServiceAccountToken is not set, so the token of service account "${sa}" is mounted; set it to false unless the pod calls the Kubernetes API`
        : `automountServiceAccountToken must be false: service account "${sa}" is not allowed to mount a token`,
      ...(automount !== undefined ? { value: automount as unknown } : {}),
    }];
  },
});

