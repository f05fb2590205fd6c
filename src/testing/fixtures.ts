import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readYaml, yamlProblems } from '../yaml/read-yaml.js';
import { manifestFilesUnder } from '../scan/manifests.js';
import { resolveEngineConfig, DEFAULT_POLICY_CONFIG, type EngineConfig } from '../core/engine-config.js';
import { evaluate, type PolicyRunner } from '../core/engine.js';
import { inputFromObject } from '../core/input.js';
import type { Registry } from '../core/registry.js';
import { OPERATIONS, type Finding, type Operation, type RegisteredPolicy, type UserInfo } from '../core/types.js';
import { isRecord } from '../core/safe.js';
import { errorMessage } from '../core/errors.js';
import { readClusterFixture, runClusterFixture } from './cluster-fixtures.js';
import { VulnerabilityIndex, type VulnerabilityLookup } from '../core/vulnerabilities.js';
import { parseScannerReport } from '../vulnerabilities/scanner-reports.js';

/**
 * Policy fixtures: `fixtures/pass/*.yaml` must produce no finding of the policy, `fixtures/fail/*.yaml`
 * at least one. A file may hold several YAML documents. A document is either a Kubernetes object, or a
 * case with context:
 *
 *   fixture: { version: v1.20, parameters: {...}, operation: UPDATE, oldObject: {...}, namespaceLabels: {...},
 *              userInfo: { username: ..., groups: [...] }, expectPaths: [...],
 *              vulnerabilities: [ <trivy image -f json or grype -o json report>, ... ], asOf: 2026-06-01 }
 *
 * `vulnerabilities` are image scanner reports, read as `scan --vulnerabilities` reads them; `asOf` is
 * the date allow-list expiry is judged at (default 2026-01-01).
 *   object: { apiVersion: v1, kind: Pod, ... }
 *
 * Without userInfo a case is evaluated like a manifest or a cluster scan: there is no requester.
 *
 * A cluster policy's fixture file is one case whose documents are the objects of a view; see
 * ./cluster-fixtures.ts.
 */
export interface FixtureCase {
  file: string;
  index: number;
  expect: 'pass' | 'fail';
  object: unknown;
  version?: string;
  parameters?: Record<string, unknown>;
  operation?: Operation;
  oldObject?: unknown;
  namespaceLabels?: Record<string, string>;
  /** The requester, as in an AdmissionReview's request.userInfo. */
  userInfo?: UserInfo;
  /** For fail cases: paths that must be among the findings. */
  expectPaths?: string[];
  /** Image scan results given with the case. */
  vulnerabilities?: VulnerabilityLookup;
  /** Cluster policies: the objects of the view (every document of the file but the header). */
  view?: unknown[];
  /** Cluster policies, fail cases: exactly the objects the findings must name (`Kind/name`, `Kind/namespace/name`). */
  expectObjects?: string[];
}

/** The keys a `fixture:` block may have. Anything else is reported: a misspelt key would be ignored silently. */
const FIXTURE_KEYS = ['version', 'parameters', 'operation', 'oldObject', 'namespaceLabels', 'userInfo', 'expectPaths', 'vulnerabilities', 'asOf'];
const DEFAULT_AS_OF = '2026-01-01T00:00:00Z';

/** `fixture.vulnerabilities` read as the CLI reads scanner reports; a bad report is the case's problem. */
function fixtureVulnerabilities(fx: Record<string, unknown>, where: string): { lookup?: VulnerabilityLookup; problem?: string } {
  if (fx.vulnerabilities === undefined) return {};
  if (!Array.isArray(fx.vulnerabilities)) return { problem: 'fixture.vulnerabilities must be a list of scanner reports' };
  const asOf = fx.asOf instanceof Date ? fx.asOf.toISOString() : typeof fx.asOf === 'string' ? fx.asOf : DEFAULT_AS_OF;
  const index = new VulnerabilityIndex(asOf);
  try {
    fx.vulnerabilities.forEach((doc, i) => index.add(parseScannerReport(JSON.stringify(doc), `${where} vulnerabilities[${i}]`)));
  } catch (err) {
    return { problem: errorMessage(err) };
  }
  return { lookup: index };
}
const USER_INFO_KEYS = ['username', 'uid', 'groups', 'extra'];

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * `fixture.userInfo`, checked rather than dropped when malformed: a case whose requester was ignored
 * would be evaluated as a scan with no requester, which passes or fails for the wrong reason.
 */
export function parseUserInfo(value: unknown): { userInfo: UserInfo } | { problem: string } {
  if (!isRecord(value)) return { problem: 'fixture.userInfo must be a mapping (username, uid, groups, extra)' };
  const unknown = Object.keys(value).filter((k) => !USER_INFO_KEYS.includes(k));
  if (unknown.length > 0) return { problem: `fixture.userInfo: unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${USER_INFO_KEYS.join(', ')})` };
  const { username, uid, groups, extra } = value;
  if (username !== undefined && typeof username !== 'string') return { problem: 'fixture.userInfo.username must be a string' };
  if (uid !== undefined && typeof uid !== 'string') return { problem: 'fixture.userInfo.uid must be a string' };
  if (groups !== undefined && !isStringList(groups)) return { problem: 'fixture.userInfo.groups must be a list of strings' };
  if (extra !== undefined && !(isRecord(extra) && Object.values(extra).every(isStringList))) return { problem: 'fixture.userInfo.extra must map keys to lists of strings' };
  return {
    userInfo: {
      ...(username !== undefined ? { username } : {}),
      ...(uid !== undefined ? { uid } : {}),
      ...(groups !== undefined ? { groups } : {}),
      ...(extra !== undefined ? { extra: extra as Record<string, string[]> } : {}),
    },
  };
}

/** Problems of a `fixture:` block that would otherwise change the case silently. */
function fixtureProblems(fx: Record<string, unknown>): string[] {
  const out: string[] = [];
  const unknown = Object.keys(fx).filter((k) => !FIXTURE_KEYS.includes(k));
  if (unknown.length > 0) out.push(`fixture: unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${FIXTURE_KEYS.join(', ')})`);
  if (fx.operation !== undefined && !OPERATIONS.includes(fx.operation as Operation)) out.push(`fixture.operation must be one of ${OPERATIONS.join(', ')}`);
  if (fx.userInfo !== undefined) {
    const parsed = parseUserInfo(fx.userInfo);
    if ('problem' in parsed) out.push(parsed.problem);
  }
  const v = fixtureVulnerabilities(fx, 'fixture');
  if (v.problem !== undefined) out.push(v.problem);
  return out;
}

/** Reads a policy's fixtures; `target` says how (a cluster policy's file is one case). */
export async function readFixtures(policyFile: string, target?: RegisteredPolicy['policy']['target']): Promise<{ cases: FixtureCase[]; problems: string[] }> {
  const cases: FixtureCase[] = [];
  const problems: string[] = [];
  for (const expect of ['pass', 'fail'] as const) {
    // Found as `scan` finds files; a missing folder is reported below as a missing kind of fixture.
    for (const file of await manifestFilesUnder(join(dirname(policyFile), 'fixtures', expect))) {
      if (target === 'cluster') {
        const r = readClusterFixture(file, await readFile(file, 'utf8'), expect);
        problems.push(...r.problems);
        if (r.case) cases.push(r.case);
        continue;
      }
      // Read with scan's YAML reader: a fixture means what the same text means to `scan`.
      const read = readYaml(await readFile(file, 'utf8'));
      problems.push(...yamlProblems(file, read));
      read.documents.forEach((doc, index) => {
        const data: unknown = doc.value;
        if (data === null || data === undefined) return;
        if (isRecord(data) && 'fixture' in data && 'object' in data && !('kind' in data)) {
          const fx = isRecord(data.fixture) ? data.fixture : {};
          const bad = fixtureProblems(fx);
          if (bad.length > 0) {
            // Not run: reported instead, which fails `policies test` and the library suite.
            problems.push(...bad.map((p) => `${file}#${index}: ${p}`));
            return;
          }
          const user = fx.userInfo !== undefined ? parseUserInfo(fx.userInfo) : undefined;
          const vulnerabilities = fixtureVulnerabilities(fx, 'fixture').lookup;
          cases.push({
            file, index, expect, object: data.object,
            ...(typeof fx.version === 'string' ? { version: fx.version } : {}),
            ...(isRecord(fx.parameters) ? { parameters: fx.parameters } : {}),
            ...(typeof fx.operation === 'string' ? { operation: fx.operation as Operation } : {}),
            ...('oldObject' in fx ? { oldObject: fx.oldObject } : {}),
            ...(isRecord(fx.namespaceLabels) ? { namespaceLabels: fx.namespaceLabels as Record<string, string> } : {}),
            ...(user && 'userInfo' in user ? { userInfo: user.userInfo } : {}),
            ...(Array.isArray(fx.expectPaths) ? { expectPaths: fx.expectPaths.map(String) } : {}),
            ...(vulnerabilities ? { vulnerabilities } : {}),
          });
        } else {
          cases.push({ file, index, expect, object: data });
        }
      });
    }
    if (!cases.some((c) => c.expect === expect)) problems.push(`${dirname(policyFile)}: no ${expect} fixtures in fixtures/${expect}/`);
  }
  return { cases, problems };
}

export interface CaseResult {
  fixture: FixtureCase;
  ok: boolean;
  findings: Finding[];
  reason?: string;
}

/** The configuration a case runs under: its policy alone, at deny, with the case's parameters and version. */
export function fixtureConfig(registered: RegisteredPolicy, registry: Registry, fixture: FixtureCase): { config: EngineConfig; reason?: undefined } | { config?: undefined; reason: string } {
  const { config, problems } = resolveEngineConfig({
    ...DEFAULT_POLICY_CONFIG,
    profile: 'none',
    podSecurity: { version: fixture.version ?? 'latest' },
    policies: { [registered.policy.id]: { enabled: true, action: 'deny', ...(fixture.parameters ? { parameters: fixture.parameters } : {}) } },
  }, registry);
  return config ? { config } : { reason: `configuration rejected: ${problems.map((p) => p.message).join('; ')}` };
}

/** Runs one fixture against one policy alone, at deny with the case's parameters and version. */
export function runFixture(registered: RegisteredPolicy, registry: Registry, fixture: FixtureCase, runner?: PolicyRunner): CaseResult {
  if (registered.policy.target === 'cluster') return runClusterFixture(registered, registry, fixture, runner);
  const id = registered.policy.id;
  const { config, reason } = fixtureConfig(registered, registry, fixture);
  if (!config) return { fixture, ok: false, findings: [], reason };
  let findings: Finding[];
  try {
    const input = inputFromObject(fixture.object, {
      ...(fixture.operation ? { operation: fixture.operation } : {}),
      ...(fixture.oldObject !== undefined ? { oldObject: fixture.oldObject } : {}),
      ...(fixture.namespaceLabels ? { namespaceLabels: fixture.namespaceLabels } : {}),
      ...(fixture.userInfo ? { userInfo: fixture.userInfo } : {}),
      ...(fixture.vulnerabilities ? { vulnerabilities: fixture.vulnerabilities } : {}),
    });
    findings = evaluate(input, registry, config, runner ? { runner } : {}).findings.filter((f) => f.policyId === id);
  } catch (err) {
    return { fixture, ok: false, findings: [], reason: `evaluation threw: ${errorMessage(err)}` };
  }
  const errors = findings.filter((f) => f.kind === 'error');
  if (errors.length > 0) return { fixture, ok: false, findings, reason: `policy error: ${errors[0]!.message}` };
  if (fixture.expect === 'pass') return findings.length === 0 ? { fixture, ok: true, findings } : { fixture, ok: false, findings, reason: `expected no finding, got: ${findings.map((f) => `${f.message} (${f.path})`).join('; ')}` };
  if (findings.length === 0) return { fixture, ok: false, findings, reason: 'expected a finding, got none' };
  const missing = (fixture.expectPaths ?? []).filter((p) => !findings.some((f) => f.path === p));
  if (missing.length > 0) return { fixture, ok: false, findings, reason: `expected findings at ${missing.join(', ')}; got ${findings.map((f) => f.path).join(', ')}` };
  return { fixture, ok: true, findings };
}

/** Runs every fixture of every policy in the registry. */
export async function runAllFixtures(registry: Registry, runner?: PolicyRunner): Promise<{ results: CaseResult[]; problems: string[] }> {
  const results: CaseResult[] = [];
  const problems: string[] = [];
  for (const registered of registry.policies.values()) {
    const { cases, problems: p } = await readFixtures(registered.source.file, registered.policy.target).catch((err: unknown) => ({ cases: [], problems: [`${registered.source.file}: ${errorMessage(err)}`] }));
    problems.push(...p);
    for (const c of cases) results.push(runFixture(registered, registry, c, runner));
  }
  return { results, problems };
}
