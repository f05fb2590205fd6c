import { stringify } from 'yaml';
import type { Registry } from '../core/registry.js';
import type { Action, RegisteredPolicy } from '../core/types.js';
import { isRecord } from '../core/safe.js';
import { lookupControl } from '../catalogue/controls.js';
import { readFixtures, runFixture, type FixtureCase } from '../testing/fixtures.js';
import { displayPath } from '../loader/load-policies.js';

/** What `kube-posture explain <policy-id>` says about one policy; `-o json` prints it as is. */
export interface Explanation {
  id: string;
  title: string;
  category: string;
  severity: string;
  target: string;
  /** What it checks and why. */
  description: string;
  /** Kinds an object policy matches; pod policies judge Pods and every workload's pod template. */
  kinds: string[];
  controls: { id: string; title?: string; url?: string }[];
  parameters: { name: string; type?: string; default?: unknown; description?: string }[];
  /** Action in each built-in profile; absent from a profile means not part of it. */
  profiles: { profile: string; action: Action | 'off' }[];
  defaultAction: Action;
  remediation: string;
  /** Whether `kube-posture fix` can mend its findings (the policy declares a fix). */
  fixable: boolean;
  examples: { fail?: Example; pass?: Example };
  source: { origin: string; format: string; file: string };
}

export interface Example {
  /** The fixture file (and document index) the example comes from. */
  fixture: string;
  object: unknown;
  version?: string;
  parameters?: Record<string, unknown>;
  /** What the policy says about it: its findings' messages and paths (none for a pass example). */
  findings: { message: string; path: string }[];
}

/** Gathers the explanation of one registered policy: metadata, profiles, and examples from its fixtures. */
export async function explainPolicy(registered: RegisteredPolicy, registry: Registry): Promise<Explanation> {
  const p = registered.policy;
  const props = isRecord(p.parameters) && isRecord(p.parameters.properties) ? p.parameters.properties : {};
  const parameters = Object.entries(props).map(([name, schema]) => {
    const s = isRecord(schema) ? schema : {};
    return {
      name,
      ...(s.type !== undefined ? { type: Array.isArray(s.type) ? s.type.join('|') : String(s.type) } : {}),
      ...('default' in s ? { default: s.default } : {}),
      ...(typeof s.description === 'string' ? { description: s.description } : {}),
    };
  });
  const { cases } = await readFixtures(registered.source.file, p.target).catch(() => ({ cases: [] as FixtureCase[] }));
  const example = (expect: 'pass' | 'fail'): Example | undefined => {
    // The plainest case reads best (no version or parameters of its own, then the shortest); fixtures
    // are examples written by the policy's author.
    const c = cases.filter((x) => x.expect === expect && x.view === undefined).sort((a, b) => plainness(a) - plainness(b) || JSON.stringify(a.object).length - JSON.stringify(b.object).length)[0];
    if (c === undefined) return undefined;
    const result = runFixture(registered, registry, c);
    return {
      fixture: `${displayPath(c.file)}${c.index > 0 ? `#${c.index}` : ''}`,
      object: c.object,
      ...(c.version !== undefined ? { version: c.version } : {}),
      ...(c.parameters !== undefined ? { parameters: c.parameters } : {}),
      findings: result.findings.map((f) => ({ message: f.message, path: f.path })),
    };
  };
  const fail = example('fail');
  const pass = example('pass');
  return {
    id: p.id,
    title: p.title,
    category: p.category,
    severity: p.severity,
    target: p.target,
    description: p.description,
    kinds: p.target === 'object' ? [...p.match.kinds] : p.target === 'cluster' ? [...p.viewKinds] : [],
    controls: p.controls.map((id) => {
      const c = lookupControl(id);
      return { id, ...(c ? { title: c.title, ...(c.url ? { url: c.url } : {}) } : {}) };
    }),
    parameters,
    profiles: [...registry.profiles.entries()].filter(([profile]) => profile !== 'none').map(([profile, m]) => ({ profile, action: m.get(p.id) ?? 'off' })),
    defaultAction: p.defaultAction,
    remediation: p.remediation,
    fixable: p.target !== 'cluster' && typeof (p as { fix?: unknown }).fix === 'function',
    examples: { ...(fail ? { fail } : {}), ...(pass ? { pass } : {}) },
    source: { origin: registered.source.origin, format: registered.source.format, file: displayPath(registered.source.file) },
  };
}

/** The explanation as text for a terminal. */
export function renderExplanation(e: Explanation): string {
  const out: string[] = [];
  out.push(`${e.id}: ${e.title}`);
  out.push(`  ${e.category}, severity ${e.severity}, ${e.target === 'pod' ? 'judges Pods and the pod template of every workload' : e.target === 'cluster' ? `judges the manifests or cluster as a whole (reads ${e.kinds.join(', ')})` : `judges ${e.kinds.join(', ')}`}`);
  out.push('', 'What it checks and why:', ...wrap(e.description, '  '));
  out.push('', 'Controls:');
  if (e.controls.length === 0) out.push('  (none)');
  for (const c of e.controls) out.push(`  ${c.id}${c.title ? `  ${c.title}` : '  (not in the catalogue)'}`);
  out.push('', 'Parameters:');
  if (e.parameters.length === 0) out.push('  (none)');
  for (const p of e.parameters) out.push(`  ${p.name}${p.type ? ` (${p.type})` : ''}, default ${p.default === undefined ? '(none)' : JSON.stringify(p.default)}${p.description ? `: ${p.description}` : ''}`);
  out.push('', 'Action by profile:');
  for (const p of e.profiles) out.push(`  ${p.profile.padEnd(16)} ${p.action === 'off' ? 'not enabled' : p.action}`);
  out.push(`  (configured alone, it defaults to ${e.defaultAction})`);
  for (const kind of ['fail', 'pass'] as const) {
    const x = e.examples[kind];
    out.push('', kind === 'fail' ? 'Failing example' : 'Passing example');
    if (x === undefined) {
      out.push('  (the policy has no such fixture)');
      continue;
    }
    const context = [x.version ? `Pod Security version ${x.version}` : '', x.parameters ? `parameters ${JSON.stringify(x.parameters)}` : ''].filter((s) => s !== '');
    out[out.length - 1] += ` (${x.fixture}${context.length > 0 ? `; ${context.join('; ')}` : ''}):`;
    out.push(...stringify(x.object).trimEnd().split('\n').map((l) => `    ${l}`));
    if (kind === 'fail') for (const f of x.findings) out.push(`  -> ${f.message}${f.path !== '' ? ` (at ${f.path})` : ''}`);
  }
  out.push('', 'How to fix:', ...wrap(e.remediation, '  '));
  out.push(e.fixable ? '  `kube-posture fix` can make this change for you (a diff, or --write).' : '  `kube-posture fix` cannot make this change mechanically.');
  return out.join('\n') + '\n';
}

/** Cases with context of their own (a version, parameters, an update) explain less at a glance. */
function plainness(c: FixtureCase): number {
  return (c.version !== undefined ? 1 : 0) + (c.parameters !== undefined ? 1 : 0) + (c.operation !== undefined || c.namespaceLabels !== undefined || c.userInfo !== undefined ? 1 : 0);
}

function wrap(text: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** Up to three known ids closest to an unknown one (edit distance, or one containing the other). */
export function closestIds(id: string, known: Iterable<string>): string[] {
  const want = id.toLowerCase();
  const scored = [...known].map((k) => ({ k, d: k.includes(want) || want.includes(k) ? Math.min(1, distance(want, k)) : distance(want, k) }));
  const limit = Math.max(3, Math.floor(want.length / 3));
  return scored.filter((s) => s.d <= limit).sort((a, b) => a.d - b.d || a.k.localeCompare(b.k)).slice(0, 3).map((s) => s.k);
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
