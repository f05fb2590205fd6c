/**
 * What an alert is, independent of where it goes. Built from the neutral result model (one alert per
 * finding of an `ObjectResult`); every sink's payload builder reads only this.
 */
import type { Finding, Severity } from '../core/types.js';

/** Where the finding was made: an admission review, or the live controller's scan of the cluster. */
export type AlertSource = 'admission' | 'scan';
export const ALERT_SOURCES: readonly AlertSource[] = ['admission', 'scan'];

/** `firing`: the finding is present; `resolved`: it was present and is gone (scan only). */
export type AlertStatus = 'firing' | 'resolved';

export interface AlertResource {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** Empty for an object the apiserver has not created yet (a denied CREATE). */
  uid: string;
}

/** An alert carries the finding's own fields (policy, title, severity, category, action, message, path, remediation, controls) as the core made them. */
export interface Alert extends Pick<Finding, 'policyId' | 'title' | 'severity' | 'category' | 'action' | 'message' | 'path' | 'remediation' | 'controls'> {
  /** Stable identity of the finding: see fingerprint.ts. */
  fingerprint: string;
  source: AlertSource;
  status: AlertStatus;
  cluster: string;
  resource: AlertResource;
  /** Admission only: the request was refused because of this finding (a `deny` finding on a denied review). */
  blocked: boolean;
  /** How many occurrences this alert stands for (admission denials collapsed in a window). */
  count: number;
  /** Milliseconds since the epoch: first and latest occurrence. */
  firstSeen: number;
  lastSeen: number;
  /** `true` for the first announcement of this finding; `false` for re-sends, counts and resolutions. */
  isNew: boolean;
  /** Resolved, while another finding of the same policy on the same object is still active. */
  samePolicyActive?: boolean;
  /** Link to a report of the finding, when configured (`reportUrl` template). */
  reportUrl?: string;
}

/** Severity rank: higher is more severe. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
