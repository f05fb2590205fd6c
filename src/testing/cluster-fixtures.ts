/**
 * Fixtures of cluster policies. A cluster policy judges a set of objects, so one fixture file is one
 * case: every YAML document in it is an object of the view (a small cluster), except an optional
 * header document that sets the case up and says which objects the policy must name:
 *
 *   fixture:
 *     parameters: { ... }
 *     expectObjects: [Namespace/shop, Deployment/shop/web, ClusterRoleBinding/ops, User/alice]
 *   ---
 *   apiVersion: v1
 *   kind: Namespace
 *   ...
 *
 * `expectObjects` (fail cases) is exact: the objects the findings name, as `Kind/name` or
 * `Kind/namespace/name`, must be these and no others. The view is complete, as in `scan`: what the file
 * does not hold does not exist.
 */
import { readYaml, yamlProblems } from '../yaml/read-yaml.js';
import { evaluateContext } from '../core/context.js';
import type { PolicyRunner } from '../core/engine.js';
import { errorMessage } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import { isRecord } from '../core/safe.js';
import type { Finding, RegisteredPolicy } from '../core/types.js';
import { ClusterViewBuilder } from '../core/view/builder.js';
import { formatObjectId } from '../core/view/ids.js';
import { fixtureConfig, type CaseResult, type FixtureCase } from './fixtures.js';

const HEADER_KEYS = ['version', 'parameters', 'expectObjects'];

/** One file, one case: its documents are the view. */
export function readClusterFixture(file: string, text: string, expect: 'pass' | 'fail'): { case?: FixtureCase; problems: string[] } {
  const problems: string[] = [];
  const view: unknown[] = [];
  let header: Record<string, unknown> | undefined;
  const read = readYaml(text);
  problems.push(...yamlProblems(file, read));
  read.documents.forEach((doc, index) => {
    const data: unknown = doc.value;
    if (data === null || data === undefined) return;
    if (isRecord(data) && 'fixture' in data && !('kind' in data)) {
      if (header !== undefined) problems.push(`${file}#${index}: a cluster fixture has one fixture: header`);
      header = isRecord(data.fixture) ? data.fixture : {};
      const unknown = Object.keys(data).filter((k) => k !== 'fixture').concat(Object.keys(header).filter((k) => !HEADER_KEYS.includes(k)));
      if (unknown.length > 0) problems.push(`${file}#${index}: fixture: unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${HEADER_KEYS.join(', ')}; the objects of the view are the other documents)`);
      const exp = header.expectObjects;
      if (exp !== undefined && !(Array.isArray(exp) && exp.every((e) => typeof e === 'string'))) problems.push(`${file}#${index}: fixture.expectObjects must be a list of Kind/name or Kind/namespace/name`);
      return;
    }
    view.push(data);
  });
  if (problems.length > 0) return { problems };
  const h = header ?? {};
  return {
    problems,
    case: {
      file, index: 0, expect, object: undefined, view,
      ...(typeof h.version === 'string' ? { version: h.version } : {}),
      ...(isRecord(h.parameters) ? { parameters: h.parameters } : {}),
      ...(Array.isArray(h.expectObjects) ? { expectObjects: h.expectObjects.map(String) } : {}),
    },
  };
}

/** Runs one cluster fixture against its policy alone, over a view of the file's objects. */
export function runClusterFixture(registered: RegisteredPolicy, registry: Registry, fixture: FixtureCase, runner?: PolicyRunner): CaseResult {
  const id = registered.policy.id;
  const { config, reason } = fixtureConfig(registered, registry, fixture);
  if (!config) return { fixture, ok: false, findings: [], reason };
  let findings: (Finding & { object?: { apiVersion: string; kind: string; namespace?: string; name: string } })[];
  try {
    const builder = new ClusterViewBuilder({ complete: 'all' });
    for (const o of fixture.view ?? [fixture.object]) builder.add(o);
    findings = evaluateContext(builder.build(), registry, config, runner ? { runner } : {}).findings.filter((f) => f.policyId === id);
  } catch (err) {
    return { fixture, ok: false, findings: [], reason: `evaluation threw: ${errorMessage(err)}` };
  }
  const errors = findings.filter((f) => f.kind === 'error');
  if (errors.length > 0) return { fixture, ok: false, findings, reason: `policy error: ${errors[0]!.message}` };
  const named = [...new Set(findings.map((f) => (f.object ? formatObjectId(f.object) : '?')))].sort();
  if (fixture.expect === 'pass') return findings.length === 0 ? { fixture, ok: true, findings } : { fixture, ok: false, findings, reason: `expected no finding, got: ${findings.map((f) => `${f.object ? formatObjectId(f.object) : '?'}: ${f.message}`).join('; ')}` };
  if (findings.length === 0) return { fixture, ok: false, findings, reason: 'expected a finding, got none' };
  if (fixture.expectObjects !== undefined) {
    const expected = [...new Set(fixture.expectObjects)].sort();
    if (expected.join('\n') !== named.join('\n')) return { fixture, ok: false, findings, reason: `expected findings about ${expected.join(', ')}; got ${named.join(', ')}` };
  }
  return { fixture, ok: true, findings };
}
