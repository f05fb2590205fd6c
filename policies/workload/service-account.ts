import { asString } from '../../src/sdk.js';

export interface PodServiceAccount {
  name: string;
  /** The field that named it; `serviceAccountName` when neither did (that is where it belongs). */
  field: 'serviceAccountName' | 'serviceAccount';
  /** False when the pod names no account and so runs as `default`. */
  explicit: boolean;
}

/**
 * The service account a pod runs as: `serviceAccountName`, else the deprecated `serviceAccount` (which
 * the API server still copies over), else `default`. Shared by the service account policies so both
 * agree on which account a pod uses.
 */
export function serviceAccountOf(spec: unknown): PodServiceAccount {
  const s = (typeof spec === 'object' && spec !== null ? spec : {}) as { serviceAccountName?: unknown; serviceAccount?: unknown };
  const byName = nonEmpty(asString(s.serviceAccountName));
  if (byName !== undefined) return { name: byName, field: 'serviceAccountName', explicit: true };
  const legacy = nonEmpty(asString(s.serviceAccount));
  if (legacy !== undefined) return { name: legacy, field: 'serviceAccount', explicit: true };
  return { name: 'default', field: 'serviceAccountName', explicit: false };
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
