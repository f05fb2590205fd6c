import type { BindingSummary, RoleSummary } from '../../../src/sdk.js';
import { SYSTEM_EXEMPTION_PARAMETERS, isExemptRbacObject, type SystemExemptionParams } from './system-exemption.js';

/**
 * What the RBAC cluster policies share with the per-object RBAC policies: the control plane's own roles
 * and bindings (named `system:*` or labelled `kubernetes.io/bootstrapping: rbac-defaults`) and the names
 * in `exemptNames` are left alone. A cluster view has no requester, so names are trusted as in any scan.
 */
export const CLUSTER_EXEMPTION_PARAMETERS = {
  exemptSystemRoles: SYSTEM_EXEMPTION_PARAMETERS.exemptSystemRoles,
  exemptNames: SYSTEM_EXEMPTION_PARAMETERS.exemptNames,
} as const;

export type ClusterExemptionParams = Pick<SystemExemptionParams, 'exemptSystemRoles' | 'exemptNames'>;

/** Is the role or binding one the RBAC policies leave alone? */
export function isExemptSummary(s: RoleSummary | BindingSummary, params: ClusterExemptionParams): boolean {
  return isExemptRbacObject({ metadata: { name: s.name, namespace: s.namespace, labels: s.labels } }, params, undefined);
}

/** `ClusterRole.rbac.authorization.k8s.io` for a roleRef kind, for `view.complete`. */
export function roleKindRef(kind: 'Role' | 'ClusterRole'): string {
  return `${kind}.rbac.authorization.k8s.io`;
}
