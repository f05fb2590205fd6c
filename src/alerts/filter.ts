/** Per-sink filters: which alerts a sink wants. Pure; an absent setting lets everything through. */
import type { Action, Severity } from '../core/types.js';
import { SEVERITY_RANK, type Alert, type AlertSource } from './model.js';

export interface SinkFilter {
  /** Alerts below this severity are not sent. Default `info` (everything). */
  minSeverity?: Severity;
  /** Default both. */
  sources?: readonly AlertSource[];
  /** Only findings of these actions (`[deny]`: what was or would be denied). Default all. */
  actions?: readonly Action[];
  /** Only objects in these namespaces (cluster-scoped objects have none and never match a list). */
  namespaces?: readonly string[];
  /** Only findings of these policies, by id. */
  policies?: readonly string[];
  /** Only the first announcement of a finding: no re-sends, collapsed counts or resolutions. */
  onlyNew?: boolean;
}

/** The fields filters read (an alert, or a probe of one not built yet). */
export type FilterSubject = Pick<Alert, 'severity' | 'source' | 'action' | 'resource' | 'policyId' | 'isNew'>;

export function matchesFilter(alert: FilterSubject, filter: SinkFilter): boolean {
  if (filter.minSeverity !== undefined && SEVERITY_RANK[alert.severity] < SEVERITY_RANK[filter.minSeverity]) return false;
  if (filter.sources !== undefined && !filter.sources.includes(alert.source)) return false;
  if (filter.actions !== undefined && !filter.actions.includes(alert.action)) return false;
  if (filter.namespaces !== undefined && (alert.resource.namespace === undefined || !filter.namespaces.includes(alert.resource.namespace))) return false;
  if (filter.policies !== undefined && !filter.policies.includes(alert.policyId)) return false;
  if (filter.onlyNew === true && !alert.isNew) return false;
  return true;
}
