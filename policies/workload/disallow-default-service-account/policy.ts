import { definePodPolicy } from '../../../src/sdk.js';
import { serviceAccountOf } from '../service-account.js';

/**
 * Restricts the pod's service account (`spec.serviceAccountName`, or the deprecated `spec.serviceAccount`)
 * to anything but `default`. Every pod in a namespace shares the `default` account, so a role bound to
 * it for one workload is granted to all of them; a dedicated account per workload keeps grants narrow
 * and audit logs attributable. A pod that sets neither field runs as `default`.
 */
export default definePodPolicy({
  id: 'disallow-default-service-account',
  title: 'Pods must not run as the default service account',
  description:
    'Pods must name a service account other than `default` in `spec.serviceAccountName` (or the deprecated ' +
    '`spec.serviceAccount`). A pod that names none runs as `default`, the account every pod of the namespace shares.',
  severity: 'low',
  category: 'workload',
  controls: ['cis-k8s:5.1.5', 'nsa:authentication-authorization', 'mitre:T1078.001'],
  remediation: 'Create a ServiceAccount for the workload (with only the RBAC it needs, or none) and set `spec.serviceAccountName` to it.',
  defaultAction: 'warn',
  recommended: 'warn',
  check(pod) {
    const { name, field, explicit } = serviceAccountOf(pod.spec);
    if (name !== 'default') return [];
    return [{
      path: ['spec', field],
      message: explicit
        ? `${field} is "default", the account every pod of the namespace shares; use a dedicated service account`
        : 'serviceAccountName is not set, so the pod runs as the namespace\'s "default" service account; use a dedicated one',
      ...(explicit ? { value: 'default' } : {}),
    }];
  },
});
