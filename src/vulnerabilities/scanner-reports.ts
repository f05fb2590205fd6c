/**
 * Image scanners' JSON output, read into the core's image scan summaries: `trivy image -f json`
 * (schema version 2) and `grype -o json`. The format is detected from the document; each is checked
 * against a schema of the fields used (docs/vulnerabilities.md gives the mapping), so a truncated or
 * foreign file is an input error naming the file, never "no vulnerabilities".
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { newAjv } from '../core/ajv-setup.js';
import { KubePostureError } from '../core/errors.js';
import { summarize, type ImageScanSummary, type ImageVulnerability, type VulnerabilitySeverity } from '../core/vulnerabilities.js';


const trivySchema = {
  type: 'object',
  required: ['SchemaVersion', 'ArtifactName'],
  properties: {
    SchemaVersion: { const: 2 },
    ArtifactName: { type: 'string', minLength: 1 },
    ArtifactType: { type: 'string' },
    Metadata: {
      type: 'object',
      properties: {
        ImageID: { type: 'string' },
        RepoDigests: { type: 'array', items: { type: 'string' } },
        RepoTags: { type: 'array', items: { type: 'string' } },
      },
    },
    Results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['Target'],
        properties: {
          Target: { type: 'string' },
          Vulnerabilities: {
            type: ['array', 'null'],
            items: {
              type: 'object',
              required: ['VulnerabilityID', 'PkgName', 'InstalledVersion', 'Severity'],
              properties: {
                VulnerabilityID: { type: 'string', minLength: 1 },
                PkgName: { type: 'string' },
                InstalledVersion: { type: 'string' },
                FixedVersion: { type: 'string' },
                Severity: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;

const grypeSchema = {
  type: 'object',
  required: ['matches', 'source'],
  properties: {
    matches: {
      type: 'array',
      items: {
        type: 'object',
        required: ['vulnerability', 'artifact'],
        properties: {
          vulnerability: {
            type: 'object',
            required: ['id', 'severity'],
            properties: {
              id: { type: 'string', minLength: 1 },
              severity: { type: 'string' },
              fix: { type: 'object', properties: { versions: { type: 'array', items: { type: 'string' } }, state: { type: 'string' } } },
            },
          },
          artifact: { type: 'object', required: ['name', 'version'], properties: { name: { type: 'string' }, version: { type: 'string' } } },
        },
      },
    },
    source: {
      type: 'object',
      required: ['type', 'target'],
      properties: {
        type: { const: 'image' },
        target: {
          type: 'object',
          required: ['userInput'],
          properties: {
            userInput: { type: 'string', minLength: 1 },
            manifestDigest: { type: 'string' },
            repoDigests: { type: 'array', items: { type: 'string' } },
            tags: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

// Compiled when a report is first read: a scan without --vulnerabilities never pays for it (start-up time).
let validators: { trivy: ValidateFunction; grype: ValidateFunction } | undefined;
function validatorFor(format: 'trivy' | 'grype'): ValidateFunction {
  if (validators === undefined) {
    const ajv = newAjv({ allErrors: false, strict: false });
    validators = { trivy: ajv.compile(trivySchema), grype: ajv.compile(grypeSchema) };
  }
  return validators[format];
}

export type ScannerFormat = 'trivy' | 'grype';

/** The format a parsed document is in, from its shape. */
export function detectFormat(doc: unknown): ScannerFormat | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  if ('SchemaVersion' in d && 'ArtifactName' in d) return 'trivy';
  if ('matches' in d && 'source' in d) return 'grype';
  return undefined;
}

/** Reads one scanner report. Throws KP_ERR_INPUT_PARSE naming the file for anything it cannot use. */
export function parseScannerReport(text: string, file: string): ImageScanSummary {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const truncated = text.trim() === '' ? 'the file is empty' : `not JSON (${(err as Error).message}); a truncated file reads like this`;
    throw new KubePostureError('KP_ERR_INPUT_PARSE', `${file}: vulnerability report: ${truncated}`);
  }
  const format = detectFormat(doc);
  if (format === undefined) {
    throw new KubePostureError('KP_ERR_INPUT_PARSE', `${file}: not a vulnerability report kube-posture reads (expected \`trivy image -f json\` output with SchemaVersion 2, or \`grype -o json\`)`);
  }
  const validate = validatorFor(format);
  if (!validate(doc)) throw new KubePostureError('KP_ERR_INPUT_PARSE', `${file}: ${format} report: ${describe(validate.errors)}`);
  return format === 'trivy' ? fromTrivy(doc as TrivyReport, file) : fromGrype(doc as GrypeReport, file);
}

interface TrivyReport {
  ArtifactName: string;
  ArtifactType?: string;
  Metadata?: { ImageID?: string; RepoDigests?: string[]; RepoTags?: string[] };
  Results?: { Target: string; Vulnerabilities?: { VulnerabilityID: string; PkgName: string; InstalledVersion: string; FixedVersion?: string; Severity: string }[] | null }[];
}

function fromTrivy(doc: TrivyReport, file: string): ImageScanSummary {
  if (doc.ArtifactType !== undefined && doc.ArtifactType !== 'container_image') {
    throw new KubePostureError('KP_ERR_INPUT_PARSE', `${file}: trivy report of a ${doc.ArtifactType}, not a container image (use \`trivy image\`)`);
  }
  const vulns: ImageVulnerability[] = [];
  for (const result of doc.Results ?? []) {
    for (const v of result.Vulnerabilities ?? []) {
      vulns.push({
        id: v.VulnerabilityID,
        severity: severityOf(v.Severity),
        package: v.PkgName,
        installedVersion: v.InstalledVersion,
        ...(v.FixedVersion !== undefined && v.FixedVersion !== '' ? { fixedVersion: v.FixedVersion } : {}),
      });
    }
  }
  return summarize(doc.ArtifactName, doc.Metadata?.RepoDigests ?? [], file, 'Trivy', vulns);
}

interface GrypeReport {
  matches: { vulnerability: { id: string; severity: string; fix?: { versions?: string[]; state?: string } }; artifact: { name: string; version: string } }[];
  source: { type: 'image'; target: { userInput: string; manifestDigest?: string; repoDigests?: string[]; tags?: string[] } };
}

function fromGrype(doc: GrypeReport, file: string): ImageScanSummary {
  const vulns: ImageVulnerability[] = doc.matches.map((m) => {
    const fixed = m.vulnerability.fix?.state === 'fixed' ? (m.vulnerability.fix.versions ?? []).filter((v) => v !== '') : [];
    return {
      id: m.vulnerability.id,
      severity: severityOf(m.vulnerability.severity),
      package: m.artifact.name,
      installedVersion: m.artifact.version,
      ...(fixed.length > 0 ? { fixedVersion: fixed.join(', ') } : {}),
    };
  });
  const t = doc.source.target;
  const digests = [...(t.repoDigests ?? []), ...(t.manifestDigest !== undefined ? [t.manifestDigest] : [])];
  return summarize(t.userInput, digests, file, 'Grype', vulns);
}

/** Trivy says CRITICAL, Grype Critical; Grype's Negligible is below low. */
function severityOf(text: string): VulnerabilitySeverity {
  switch (text.toLowerCase()) {
    case 'critical': return 'critical';
    case 'high': return 'high';
    case 'medium': return 'medium';
    case 'low':
    case 'negligible': return 'low';
    default: return 'unknown';
  }
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'does not match the expected shape';
  const where = e.instancePath === '' ? 'the document' : e.instancePath;
  return `${where} ${e.message ?? 'is invalid'}${e.params && 'missingProperty' in e.params ? ` (${String(e.params.missingProperty)})` : ''}`;
}
