/** A complete alert for tests; not imported by anything that runs in production. */
import type { Severity } from '../core/types.js';
import { fingerprint } from './fingerprint.js';
import type { Alert, AlertResource } from './model.js';

export function testAlert(over: Partial<Alert> & { severity?: Severity } = {}): Alert {
  const resource: AlertResource = over.resource ?? { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'shop', uid: 'u-1' };
  const policyId = over.policyId ?? 'pss-privileged';
  const path = over.path ?? 'spec.containers[0].securityContext.privileged';
  const cluster = over.cluster ?? 'prod';
  return {
    fingerprint: fingerprint(cluster, resource, policyId, path),
    source: 'admission',
    status: 'firing',
    cluster,
    resource,
    policyId,
    title: 'Privileged containers',
    severity: 'high',
    category: 'pod-security',
    action: 'deny',
    message: 'container "c" is privileged',
    path,
    remediation: 'Remove securityContext.privileged.',
    controls: ['CIS-5.2.1'],
    blocked: true,
    count: 1,
    firstSeen: 1_700_000_000_000,
    lastSeen: 1_700_000_000_000,
    isNew: true,
    ...over,
  };
}
