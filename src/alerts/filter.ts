/** Per-sink filters: which alerts a sink wants. Pure; an absent setting lets everything through. */
import type { Action, Severity } from '../core/types.js';
import { SEVERITY_RANK, type Alert, type AlertSource } from './model.js';

export interface SinkFilter {
  /** Alerts below this severity are not sent. Default `info` (everything). */
  minSeverity?: Severity;
  /** Default both. */
  sources?: readonly AlertSource[];
  /**
   * Only findings of these actions (`[deny]`: what was or would be denied). Default: `[deny]` for
   * admission alerts (see `DEFAULT_ADMISSION_ACTIONS`), every action for scan alerts.
   */
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

/**
 * What admission alerts cover when a sink names no `actions`: what was denied, or would have been in
 * audit mode. A warning is in the review's answer already and the scanner's report keeps it; paging
 * on every warned admission would drown the denials (and cost every admitted review its alert work).
 */
export const DEFAULT_ADMISSION_ACTIONS: readonly Action[] = Object.freeze(['deny']);

/** The actions a filter lets through for alerts of this source. */
export function actionsFor(filter: SinkFilter, source: AlertSource): readonly Action[] | undefined {
  return filter.actions ?? (source === 'admission' ? DEFAULT_ADMISSION_ACTIONS : undefined);
}

export function matchesFilter(alert: FilterSubject, filter: SinkFilter): boolean {
  if (filter.minSeverity !== undefined && SEVERITY_RANK[alert.severity] < SEVERITY_RANK[filter.minSeverity]) return false;
  if (filter.sources !== undefined && !filter.sources.includes(alert.source)) return false;
  const actions = actionsFor(filter, alert.source);
  if (actions !== undefined && !actions.includes(alert.action)) return false;
  if (filter.namespaces !== undefined && (alert.resource.namespace === undefined || !filter.namespaces.includes(alert.resource.namespace))) return false;
  if (filter.policies !== undefined && !filter.policies.includes(alert.policyId)) return false;
  if (filter.onlyNew === true && !alert.isNew) return false;
  return true;
}
