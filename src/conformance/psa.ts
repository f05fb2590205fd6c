/**
 * Conformance against the golden fixtures of Kubernetes' Pod Security Admission
 * (`psa/<level>/<version>/<pass|fail>/<checkId><n>.yaml`): every fixture of a version is evaluated with
 * the `pss-<level>` profile pinned to that version, and must be allowed (pass) or denied (fail).
 * The fixtures are read where they are; nothing is copied into the project. Which fixtures: see
 * psa-fixtures.ts (a directory given, ../shared/conformance/psa, or the pinned Go module's test data).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readYaml, yamlProblems } from '../yaml/read-yaml.js';
import { manifestFilesUnder } from '../scan/manifests.js';
import { parseConfig } from '../config/load-config.js';
import { decide } from '../core/decide.js';
import { evaluate } from '../core/engine.js';
import { inputFromObject } from '../core/input.js';
import { errorMessage } from '../core/errors.js';
import { parsePssVersion } from '../core/version.js';
import { buildPolicySet, type PolicySetOptions } from '../policy-set/policy-set.js';

export const PSA_LEVELS = ['baseline', 'restricted'] as const;
export type PsaLevel = (typeof PSA_LEVELS)[number];

export interface Disagreement {
  /** `pass/base.yaml`, `fail/privileged0.yaml`. */
  fixture: string;
  expected: 'allowed' | 'denied';
  /** What we found: `[policy-id] message (path)`, or the reason the fixture could not be evaluated. */
  findings: string[];
}

export interface GroupResult {
  level: PsaLevel;
  version: string;
  passTotal: number;
  passAllowed: number;
  failTotal: number;
  failDenied: number;
  disagreements: Disagreement[];
}

export interface ConformanceReport {
  root: string;
  groups: GroupResult[];
}

/** `v1.9` before `v1.10`. Directories that are not versions are ignored. */
function byMinor(a: string, b: string): number {
  return (parsePssVersion(a)?.minor ?? 0) - (parsePssVersion(b)?.minor ?? 0);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** Versions present for a level, oldest first. Only well-formed version names (`v1.N`) are taken. */
export async function psaVersions(root: string, level: PsaLevel): Promise<string[]> {
  return (await listDir(join(root, level))).filter((v) => /^v1\.\d+$/.test(v) && parsePssVersion(v) !== undefined).sort(byMinor);
}

/** Runs every fixture of one level and version against one policy set built for it. */
export async function runPsaGroup(root: string, level: PsaLevel, version: string, options: PolicySetOptions = {}): Promise<GroupResult> {
  const set = await buildPolicySet(parseConfig(`profile: pss-${level}\nmode: enforce\npodSecurity: {version: ${version}}\n`), options);
  const result: GroupResult = { level, version, passTotal: 0, passAllowed: 0, failTotal: 0, failDenied: 0, disagreements: [] };
  for (const expect of ['pass', 'fail'] as const) {
    const dir = join(root, level, version, expect);
    // Found as `scan` finds files, so a fixture here is what a scan of the folder reads.
    for (const file of await manifestFilesUnder(dir)) {
      const name = relative(dir, file);
      const fixture = `${expect}/${name}`;
      const expected = expect === 'pass' ? 'allowed' : 'denied';
      if (expect === 'pass') result.passTotal++;
      else result.failTotal++;
      let allowed: boolean;
      let findings: string[];
      try {
        // Read with scan's YAML reader, so a fixture means here what it means to `scan`.
        const read = readYaml(await readFile(file, 'utf8'));
        const problem = yamlProblems(name, read)[0];
        if (problem !== undefined) throw new Error(`invalid YAML: ${problem}`);
        const objects = read.documents.map((d) => d.value).filter((o) => o !== null && o !== undefined);
        if (objects.length !== 1) throw new Error(`expected one object, found ${objects.length}`);
        const engineResult = evaluate(inputFromObject(objects[0]), set.registry, set.engine);
        allowed = decide(engineResult).allowed;
        findings = engineResult.findings.map((f) => `[${f.policyId}] ${f.message}${f.path ? ` (${f.path})` : ''}`);
      } catch (err) {
        result.disagreements.push({ fixture, expected, findings: [`not evaluated: ${errorMessage(err)}`] });
        continue;
      }
      if (allowed && expect === 'pass') result.passAllowed++;
      else if (!allowed && expect === 'fail') result.failDenied++;
      else result.disagreements.push({ fixture, expected, findings: findings.length > 0 ? findings : ['no findings'] });
    }
  }
  return result;
}

/** Runs every level and version found under `root`, newest version first within each level. */
export async function runPsaConformance(root: string, options: PolicySetOptions & { levels?: readonly PsaLevel[]; versions?: readonly string[] } = {}): Promise<ConformanceReport> {
  const groups: GroupResult[] = [];
  for (const level of options.levels ?? PSA_LEVELS) {
    const versions = (await psaVersions(root, level)).reverse().filter((v) => !options.versions || options.versions.includes(v));
    for (const version of versions) groups.push(await runPsaGroup(root, level, version, options));
  }
  return { root, groups };
}

export function disagreementCount(report: ConformanceReport): number {
  return report.groups.reduce((n, g) => n + g.disagreements.length, 0);
}

export function fixtureCount(report: ConformanceReport): number {
  return report.groups.reduce((n, g) => n + g.passTotal + g.failTotal, 0);
}

/** The table: one row per level and version, then the disagreements, then totals per level. */
export function formatPsaReport(report: ConformanceReport): string {
  const lines: string[] = [];
  const header = ['level', 'version', 'pass allowed', 'fail denied', 'disagreements'];
  const rows = report.groups.map((g) => [g.level, g.version, `${g.passAllowed}/${g.passTotal}`, `${g.failDenied}/${g.failTotal}`, String(g.disagreements.length)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  lines.push(fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt));
  const withProblems = report.groups.filter((g) => g.disagreements.length > 0);
  if (withProblems.length > 0) {
    lines.push('', 'disagreements:');
    for (const g of withProblems) {
      for (const d of g.disagreements) {
        lines.push(`  ${g.level} ${g.version} ${d.fixture}: expected ${d.expected}`);
        for (const f of d.findings) lines.push(`    ${f}`);
      }
    }
  }
  lines.push('');
  for (const level of PSA_LEVELS) {
    const gs = report.groups.filter((g) => g.level === level);
    if (gs.length === 0) continue;
    const sum = (f: (g: GroupResult) => number): number => gs.reduce((n, g) => n + f(g), 0);
    lines.push(`${level}: ${gs.length} versions, pass allowed ${sum((g) => g.passAllowed)}/${sum((g) => g.passTotal)}, fail denied ${sum((g) => g.failDenied)}/${sum((g) => g.failTotal)}, disagreements ${sum((g) => g.disagreements.length)}`);
  }
  lines.push(`total: ${fixtureCount(report)} fixtures, ${disagreementCount(report)} disagreements`);
  return lines.join('\n') + '\n';
}
