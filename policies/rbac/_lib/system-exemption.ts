import { asRecord, asString, getIn, type UserInfo } from '../../../src/sdk.js';

/**
 * Which RBAC objects the RBAC policies leave alone: the control plane's own roles and bindings, and
 * those the configuration names. This is policy semantics (what counts as compliant), so it lives
 * with the policies rather than in the core's RBAC reader, and every RBAC policy shares it so that
 * they agree on what is exempt.
 */

export const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';
export const BOOTSTRAP_VALUE = 'rbac-defaults';

export interface SystemExemptionParams {
  /** Skip objects named `system:*` or labelled `kubernetes.io/bootstrapping: rbac-defaults`. */
  exemptSystemRoles?: boolean;
  /**
   * In admission, trust those names and labels only when the requester is the control plane. Anyone
   * allowed to create RBAC objects can choose a `system:` name or the bootstrapping label, so without
   * this the exemption would be a way around every RBAC policy.
   */
  systemExemptionRequiresControlPlane?: boolean;
  /** Names of roles or bindings to skip: `name` (any namespace) or `namespace/name`. */
  exemptNames?: string[];
}

/** JSON Schema properties for SystemExemptionParams, shared by every RBAC policy. */
export const SYSTEM_EXEMPTION_PARAMETERS = {
  exemptSystemRoles: {
    type: 'boolean',
    default: true,
    description: 'Skip the control plane\'s own roles and bindings: names starting with "system:" and objects labelled kubernetes.io/bootstrapping: rbac-defaults.',
  },
  systemExemptionRequiresControlPlane: {
    type: 'boolean',
    default: true,
    description: 'In admission, apply the system exemption only to requests from the control plane (group system:masters, or a system: user that is not a service account), because names and labels are chosen by whoever creates the object.',
  },
  exemptNames: {
    type: 'array',
    items: { type: 'string', minLength: 1 },
    default: [],
    description: 'Roles or bindings to skip, as "name" (any namespace) or "namespace/name".',
  },
} as const;

/** Is the requester a control-plane identity? Service accounts and ordinary users are not. */
export function isControlPlaneRequester(user: UserInfo | undefined): boolean {
  if (user === undefined) return false;
  const groups = Array.isArray(user.groups) ? user.groups : [];
  if (groups.includes('system:masters')) return true;
  const name = typeof user.username === 'string' ? user.username : '';
  return name.startsWith('system:') && !name.startsWith('system:serviceaccount:') && !name.startsWith('system:anonymous');
}

/** Is the object one of the control plane's own RBAC objects, or named in `exemptNames`? */
export function isExemptRbacObject(object: unknown, params: SystemExemptionParams, user: UserInfo | undefined): boolean {
  const name = asString(getIn(object, ['metadata', 'name'])) ?? '';
  const namespace = asString(getIn(object, ['metadata', 'namespace'])) ?? '';
  const exemptNames = Array.isArray(params.exemptNames) ? params.exemptNames : [];
  if (name !== '' && exemptNames.some((n) => n === name || (namespace !== '' && n === `${namespace}/${name}`))) return true;
  if (params.exemptSystemRoles === false) return false;
  const labels = asRecord(getIn(object, ['metadata', 'labels']));
  const looksSystem = name.startsWith('system:') || labels?.[BOOTSTRAP_LABEL] === BOOTSTRAP_VALUE;
  if (!looksSystem) return false;
  // Without user info (a manifest or a cluster scan) the name and label are all there is to go on.
  if (user === undefined || params.systemExemptionRequiresControlPlane === false) return true;
  return isControlPlaneRequester(user);
}
