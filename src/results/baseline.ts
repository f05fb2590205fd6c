/**
 * Baselines: the findings a team has accepted for now, so that a pipeline fails only on new ones.
 * A finding is the same finding when its object (kind, namespace, name), policy and field path are:
 * never its file or line, so moving or reformatting a manifest keeps it baselined. Pure.
 * Published as docs/schema/baseline-v1.schema.json (`npm run docs:schema`).
 */
import { createHash } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { newAjv } from '../core/ajv-setup.js';
import type { ObjectRef, Report } from './model.js';
import type { Finding } from '../core/types.js';
import { KubePostureError } from '../core/errors.js';

export const BASELINE_KIND = 'KubePostureBaseline';
export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  fingerprint: string;
  kind: string;
  namespace?: string;
  name: string;
  policyId: string;
  path: string;
}

export interface Baseline {
  kind: typeof BASELINE_KIND;
  version: typeof BASELINE_VERSION;
  /** The tool that wrote it, for a reader; not checked. */
  generatedBy?: string;
  findings: BaselineEntry[];
}

export const baselineSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://kube-posture.io/schemas/baseline-v1.json',
  title: 'kube-posture baseline',
  description: 'Findings accepted for now (`scan --write-baseline`); `scan --baseline` fails only on findings not listed. A finding is identified by its object, policy and field path, never its file or line.',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'version', 'findings'],
  properties: {
    kind: { const: BASELINE_KIND },
    version: { const: BASELINE_VERSION, description: 'The format version; a reader refuses versions it does not know.' },
    generatedBy: { type: 'string' },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['fingerprint', 'kind', 'name', 'policyId', 'path'],
        properties: {
          fingerprint: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'sha256 of kind, namespace, name, policyId and path joined by NUL; the only field matched' },
          kind: { type: 'string', minLength: 1 },
          namespace: { type: 'string' },
          name: { type: 'string' },
          policyId: { type: 'string', minLength: 1 },
          path: { type: 'string' },
        },
      },
    },
  },
} as const;

// Compiled on first use: only `--baseline` reads one.
let compiled: ValidateFunction | undefined;
const validator = (): ValidateFunction => (compiled ??= newAjv({ allErrors: true, strict: false }).compile(baselineSchema));

/** The finding's identity: its object, policy and field path (never its file or line). */
export function fingerprint(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>, finding: Pick<Finding, 'policyId' | 'path'>): string {
  return createHash('sha256').update([ref.kind, ref.namespace ?? '', ref.name, finding.policyId, finding.path].join('\u0000')).digest('hex');
}

/** The report's findings (policy errors left out: a broken policy is never accepted), sorted, each once. */
export function baselineOf(report: Report, generatedBy?: string): Baseline {
  const byPrint = new Map<string, BaselineEntry>();
  for (const o of report.objects) {
    for (const f of o.findings) {
      if (f.kind !== 'violation') continue;
      const fp = fingerprint(o.ref, f);
      if (!byPrint.has(fp)) byPrint.set(fp, { fingerprint: fp, kind: o.ref.kind, ...(o.ref.namespace !== undefined ? { namespace: o.ref.namespace } : {}), name: o.ref.name, policyId: f.policyId, path: f.path });
    }
  }
  const findings = [...byPrint.values()].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name) || cmp(a.policyId, b.policyId) || cmp(a.path, b.path));
  return { kind: BASELINE_KIND, version: BASELINE_VERSION, ...(generatedBy !== undefined ? { generatedBy } : {}), findings };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Reads a baseline file's text; anything but a valid version-1 baseline is an error naming the file. */
export function parseBaseline(text: string, file: string): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new KubePostureError('KP_ERR_BASELINE_INVALID', `${file}: not a baseline (JSON expected): ${(err as Error).message}`);
  }
  const validate = validator();
  if (!validate(value)) {
    const problems = (validate.errors ?? []).slice(0, 10).map((e) => ({ code: 'KP_ERR_BASELINE_INVALID' as const, message: `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`, file }));
    throw new KubePostureError('KP_ERR_BASELINE_INVALID', `${file}: not a kube-posture baseline version ${BASELINE_VERSION} (docs/schema/baseline-v1.schema.json)`, problems);
  }
  return value as unknown as Baseline;
}

/** The report with every finding that the baseline holds marked `baselined`; the rest are new. Policy errors are never baselined. */
export function applyBaseline(report: Report, baseline: Baseline): Report {
  const known = new Set(baseline.findings.map((f) => f.fingerprint));
  return {
    ...report,
    objects: report.objects.map((o) => {
      if (!o.findings.some((f) => f.kind === 'violation' && known.has(fingerprint(o.ref, f)))) return o;
      return { ...o, findings: o.findings.map((f) => (f.kind === 'violation' && known.has(fingerprint(o.ref, f)) ? { ...f, baselined: true } : f)) };
    }),
  };
}
