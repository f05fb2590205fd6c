/**
 * The one result model. Every way in (the webhook's decision, `scan` over manifests, the live scan
 * of a cluster) produces it; every reporter (table, JSON, SARIF, JUnit, and those to come) consumes
 * it and never knows which one made it.
 */
import type { Problem } from '../core/errors.js';
import type { Decision, Finding, Severity } from '../core/types.js';

interface BaseRef {
  apiVersion: string;
  kind: string;
  /** The name, or `<generateName>*` for an object that only has a generated name yet. */
  name: string;
  namespace?: string;
}

/** An object read from a manifest: the file and the line its document starts on. */
export interface FileRef extends BaseRef {
  file: string;
  line: number;
}

/** An object read from a cluster (or an admission request): its uid and the version that was judged. */
export interface ClusterRef extends BaseRef {
  uid: string;
  resourceVersion: string;
  /** The cluster's name, when the reader knows it (kubeconfig context). */
  cluster?: string;
}

export type ObjectRef = FileRef | ClusterRef;

export function isFileRef(ref: ObjectRef): ref is FileRef {
  return 'file' in ref;
}

/** A finding placed in its source: the line of its field when the object came from a file. */
export interface ResultFinding extends Finding {
  line?: number;
  /**
   * In the baseline given to `scan --baseline` (./baseline.ts): reported, marked, and left out of the
   * exit code. Absent means new (or no baseline was given).
   */
  baselined?: boolean;
}

/** The answer for one object, in the words admission uses (scan asks "would it be admitted?"). */
export type Verdict = Pick<Decision, 'allowed' | 'outcome' | 'mode' | 'message'>;

export interface ObjectResult {
  ref: ObjectRef;
  /** `exempt`: a global exemption matched and no policy ran; `evaluated`: the policies ran. */
  status: 'evaluated' | 'exempt';
  /** Why the object is exempt (status `exempt`). */
  exemptBy?: string;
  /** Policies that did not run on this object because of their own exemptions. */
  policyExemptions: { policyId: string; reason: string }[];
  /**
   * Policies that ran and found nothing, by id. Optional so that results made elsewhere stay valid;
   * `objectResult` always sets it. Reports that list passes (OpenReports `pass` results) read it.
   */
  passed?: string[];
  findings: ResultFinding[];
  verdict: Verdict;
}

export interface Summary {
  objects: number;
  denied: number;
  exempt: number;
  findings: Record<'deny' | 'warn' | 'audit', number>;
  bySeverity: Record<Severity, number>;
  /** Policy errors (a policy that threw or ran past its budget). */
  errors: number;
}

/** What a live scan looked at, so that nothing it did not report is silently missing. */
export interface ReportScope {
  /** The cluster (kubeconfig context or server) that was scanned. */
  cluster: string;
  /** Objects listed, by kind (`Deployment.apps`). */
  listed: Record<string, number>;
  /** Objects judged through their controller's pod template and not reported on their own, by kind. */
  judgedThroughOwner: Record<string, number>;
}

export interface Report {
  objects: ObjectResult[];
  /** Set by live scans: what was listed and what was rolled up into owners. */
  scope?: ReportScope;
  /** Input that could not be examined (unreadable files, bad documents): never silently dropped. */
  problems: Problem[];
  /**
   * Set by `scan`: objects of kinds that no enabled policy inspects, counted by kind (`Kind` or
   * `Kind.group`), so that "0 findings" is never mistaken for "judged and clean".
   */
  notInspected?: Record<string, number>;
  summary: Summary;
}
