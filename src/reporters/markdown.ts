/**
 * A short summary in Markdown for CI job summaries and pull-request comments: scores per framework,
 * counts by severity, the top failing controls and, with `--since`, the findings that are new since a
 * previous saved scan. Pure: saved scans in, text out. The full picture is the HTML report.
 */
import type { ScanDocument } from './scan-document.js';
import { buildView, SEVERITIES } from './html/view-model.js';

/** New findings listed by name; the rest are counted. */
const NEW_SHOWN = 20;

export function renderMarkdown(docs: readonly ScanDocument[], options: { since?: ScanDocument } = {}): string {
  const view = buildView(docs);
  const out: string[] = [];
  out.push(`### kube-posture: ${cell(view.title)}`, '');
  for (const s of view.sources) out.push(`- **${cell(s.name)}** (${s.type}) at ${s.generatedAt}: ${s.objects} object(s), ${s.findings} finding(s)${s.problems > 0 ? `, **${s.problems} input problem(s)**` : ''}; profile \`${s.profile}\`, mode \`${s.mode}\``);
  out.push('');
  const fleet = view.sources.length > 1;
  out.push(fleet ? `| Framework | ${view.sources.map((s) => cell(s.name)).join(' | ')} |` : '| Framework | Compliance | Risk | Controls applied |');
  out.push(fleet ? `|---|${view.sources.map(() => '---:').join('|')}|` : '|---|---:|---:|---:|');
  for (const f of view.frameworks) {
    if (fleet) out.push(`| ${cell(f.name)} | ${view.sources.map((s) => pct(f.bySource.find((x) => x.source === s.name)?.compliance ?? null)).join(' | ')} |`);
    else for (const s of f.bySource) out.push(`| ${cell(f.name)} | ${pct(s.compliance)} | ${pct(s.risk)} | ${s.applied} |`);
  }
  out.push('', `**Findings by severity:** ${SEVERITIES.map((s) => `${s} ${view.bySeverity[s]}`).join(', ')}`, '');
  // Findings in a baseline (`scan --baseline`) are counted as such, never dropped.
  for (const d of docs) {
    const all = d.objects.reduce((n, o) => n + o.findings.length, 0);
    const baselined = d.objects.reduce((n, o) => n + o.findings.filter((f) => f.baselined === true).length, 0);
    if (baselined > 0) out.push(`**Baseline${docs.length > 1 ? ` (${cell(d.source.name)})` : ''}:** ${baselined} finding(s) are in the baseline and do not fail; ${all - baselined} are new.`, '');
  }
  if (view.topControls.length > 0) {
    out.push('**Top failing controls** (severity × failing resources):', '', '| Control | Severity | Failing resources |', '|---|---|---:|');
    for (const c of view.topControls.slice(0, 5)) out.push(`| \`${c.id}\` ${cell(c.title)} | ${c.severity ?? ''} | ${c.failed} |`);
    out.push('');
  }
  if (options.since) out.push(...sinceLines(docs, options.since));
  return out.join('\n').trimEnd() + '\n';
}

interface Keyed {
  key: string;
  text: string;
  severity: string;
}

function findingsOf(doc: ScanDocument): Keyed[] {
  return doc.objects.flatMap((o) => o.findings.map((f) => ({
    key: [o.kind, o.namespace ?? '', o.name, f.policyId, f.path].join('\u0000'),
    severity: f.severity,
    text: `**${f.severity}** \`${f.policyId}\` ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}: ${oneLine(f.message)}${f.path ? ` (\`${f.path}\`)` : ''}`,
  })));
}

/** What is new since a previous scan: a finding is the same when its object, policy and field path are. */
function sinceLines(docs: readonly ScanDocument[], since: ScanDocument): string[] {
  const before = new Set(findingsOf(since).map((f) => f.key));
  const latest = [...docs].sort((a, b) => Date.parse(a.generatedAt) - Date.parse(b.generatedAt)).at(-1)!;
  const now = findingsOf(latest);
  const nowKeys = new Set(now.map((f) => f.key));
  const added = now.filter((f) => !before.has(f.key)).sort((a, b) => SEVERITIES.indexOf(a.severity as never) - SEVERITIES.indexOf(b.severity as never));
  const fixed = [...before].filter((k) => !nowKeys.has(k)).length;
  const lines = [`**Since ${cell(since.source.name)} at ${since.generatedAt}:** ${added.length} new finding(s), ${fixed} fixed.`, ''];
  for (const f of added.slice(0, NEW_SHOWN)) lines.push(`- ${f.text}`);
  if (added.length > NEW_SHOWN) lines.push(`- … and ${added.length - NEW_SHOWN} more`);
  return lines;
}

function pct(n: number | null): string {
  return n === null ? 'n/a' : `${n.toFixed(1)}%`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Text safe in a table cell: no pipe, no line break. */
function cell(text: string): string {
  return oneLine(text).replace(/\|/g, '\\|');
}
