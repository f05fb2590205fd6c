import type { VulnerabilityLookup } from './vulnerabilities.js';
import type { ServiceAccountLookup } from './service-accounts.js';
import { groupOf } from './kinds.js';
import { isRecord } from './safe.js';
import type { EvaluationInput, Operation, UserInfo } from './types.js';

/**
 * Builds an evaluation input for an object read from a manifest or the cluster (no AdmissionReview):
 * a CREATE of the object, with group and kind from its apiVersion and kind.
 */
export function inputFromObject(object: unknown, extra: { namespaceLabels?: Record<string, string>; operation?: Operation; oldObject?: unknown; userInfo?: UserInfo; namespace?: string; vulnerabilities?: VulnerabilityLookup; serviceAccounts?: ServiceAccountLookup } = {}): EvaluationInput {
  const o = isRecord(object) ? object : {};
  const meta = isRecord(o.metadata) ? o.metadata : {};
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  const namespace = extra.namespace ?? (typeof meta.namespace === 'string' ? meta.namespace : undefined);
  return {
    object,
    ...(extra.oldObject !== undefined ? { oldObject: extra.oldObject } : {}),
    operation: extra.operation ?? 'CREATE',
    kind: { group: groupOf(apiVersion), version: slash === -1 ? apiVersion : apiVersion.slice(slash + 1), kind: typeof o.kind === 'string' ? o.kind : '' },
    ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(extra.namespaceLabels ? { namespaceLabels: extra.namespaceLabels } : {}),
    ...(extra.userInfo ? { userInfo: extra.userInfo } : {}),
    ...(extra.vulnerabilities ? { vulnerabilities: extra.vulnerabilities } : {}),
    ...(extra.serviceAccounts ? { serviceAccounts: extra.serviceAccounts } : {}),
  };
}
