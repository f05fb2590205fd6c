/**
 * The report as one self-contained HTML page: opens from disk with no network. Styles and the script
 * are inline (assets/page.css, assets/page.js, read once), charts are inline SVG, the findings table's
 * data is JSON in a `<script type="application/json">` with `<` escaped, and a Content-Security-Policy
 * forbids every request the page could make. Pure: saved scans in, text out.
 *
 * The overview and per-framework views are rendered here, so their numbers are in the page as written;
 * the findings table is drawn by the script a page at a time (tens of thousands of rows stay responsive).
 */
import { readFileSync } from 'node:fs';
import { packagePath } from '../../package-paths.js';
import type { Severity } from '../../core/types.js';
import type { ScanDocument } from '../scan-document.js';
import { VULN_SEVERITIES, VULN_TOP, type VulnSeverity } from './vulnerability-view.js';
import { buildView, FAILING_SHOWN, SEVERITIES, type ControlRow, type FrameworkOverview, type ReportView, type TrendPoint } from './view-model.js';

let assets: { css: string; js: string } | undefined;
function pageAssets(): { css: string; js: string } {
  assets ??= {
    css: readFileSync(packagePath('src/reporters/html/assets/page.css'), 'utf8'),
    js: readFileSync(packagePath('src/reporters/html/assets/page.js'), 'utf8'),
  };
  return assets;
}

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function renderHtml(docs: readonly ScanDocument[]): string {
  const view = buildView(docs);
  const { css, js } = pageAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`kube-posture report: ${view.title}`)}</title>
<style>${css}</style>
</head>
<body>
<header>
<h1>Kubernetes posture: ${esc(view.title)}</h1>
${sourcesLine(view)}
<nav aria-label="Sections"><a href="#overview">Overview</a> <a href="#frameworks">Frameworks</a> <a href="#vulnerabilities">Vulnerabilities</a> <a href="#findings">Findings</a></nav>
</header>
<main>
${overview(view)}
${frameworkViews(view)}
${vulnerabilitiesSection(view)}
${findingsSection(view)}
</main>
<footer><p>Written by kube-posture ${esc(view.sources[0]?.toolVersion ?? '')}. Compliance = mean score of the controls that applied; risk = severity-weighted share of failing resources (docs/compliance-scores.md).</p></footer>
<script type="application/json" id="kp-data">${jsonForScript(view.table)}</script>
<script>${js}</script>
</body>
</html>
`;
}

function sourcesLine(view: ReportView): string {
  const items = view.sources.map((s) => `<li><strong>${esc(s.name)}</strong> (${s.type === 'cluster' ? 'cluster' : 'manifests'}): scanned <time datetime="${esc(s.generatedAt)}">${esc(s.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time>, ${s.objects} object(s), ${s.findings} finding(s)${s.problems > 0 ? `, <span class="warn">${s.problems} input problem(s)</span>` : ''}; profile <code>${esc(s.profile)}</code>, mode <code>${esc(s.mode)}</code>, kube-posture ${esc(s.toolVersion)}, configuration <code title="${esc(s.configDigest)}">${esc(s.configDigest.slice(0, 19))}…</code></li>`);
  return `<ul class="sources">${items.join('')}</ul>${view.scans > view.sources.length ? `<p class="muted">${view.scans} scans given: the latest of each source is shown, the earlier ones draw the trends.</p>` : ''}`;
}

function overview(view: ReportView): string {
  return `<section id="overview" aria-labelledby="overview-h">
<h2 id="overview-h">Overview</h2>
${glance(view)}
<h3>How compliant, against what</h3>
<div class="cards">${view.frameworks.map(frameworkCard).join('')}</div>
${view.fleet ? fleetTable(view) : ''}
<div class="columns">
<div><h3>Findings by severity</h3>${severityChart(view.bySeverity)}</div>
<div><h3>What first: most violated controls</h3>${topControls(view)}</div>
</div>
<h3>Worst namespaces</h3>
${topNamespaces(view)}
</section>`;
}

/** Three sentences that answer the page's questions before any chart: how compliant, against what, what first. */
function glance(view: ReportView): string {
  const scored = view.frameworks.flatMap((f) => f.bySource.filter((s) => s.compliance !== null).map((s) => ({ name: f.name, source: s.source, compliance: s.compliance! })));
  const lowest = scored.sort((a, b) => a.compliance - b.compliance)[0];
  const first = view.topControls[0];
  const ns = view.topNamespaces[0];
  const where = (source: string) => (view.fleet ? ` on ${esc(source)}` : '');
  const items = [
    `<li>${view.findings} finding(s) on ${view.sources.reduce((a, s) => a + s.objects, 0)} object(s): ${SEVERITIES.filter((s) => view.bySeverity[s] > 0).map((s) => `${view.bySeverity[s]} ${s}`).join(', ') || 'none'}.</li>`,
    lowest ? `<li>Lowest score: <strong>${esc(lowest.name)}</strong> at <strong>${pct(lowest.compliance)}</strong>${where(lowest.source)}.</li>` : '<li>No framework control applied to the objects scanned.</li>',
    first ? `<li>Fix first: <code>${esc(first.id)}</code> ${esc(first.title)} (${first.severity ?? 'no severity'}, ${first.failed} failing resource(s)).</li>` : '<li>No control fails.</li>',
    ns ? `<li>Worst namespace: <strong>${ns.namespace === '' ? 'cluster-scoped objects' : esc(ns.namespace)}</strong>${where(ns.source)}, ${ns.failing} of ${ns.objects} object(s) failing.</li>` : '',
  ];
  return `<ul class="glance">${items.join('')}</ul>`;
}

function frameworkCard(f: FrameworkOverview): string {
  const lines = f.bySource.map((s) => `<div class="score-line" data-source="${esc(s.source)}"><span class="score" data-framework="${esc(f.id)}" data-source="${esc(s.source)}">${pct(s.compliance)}</span> <span class="risk">risk ${pct(s.risk)}</span> ${trendSvg(f.name, s.source, s.trend)}${s.trend.length > 1 ? `<span class="muted">was ${pct(s.trend.at(-2)!.compliance)}</span>` : ''}<span class="muted">${s.applied} control(s) applied${f.bySource.length > 1 ? ` · ${esc(s.source)}` : ''}</span></div>`);
  return `<article class="card" data-framework="${esc(f.id)}"><h4><a href="#fw-${esc(f.id)}">${esc(f.name)}</a></h4>${lines.join('')}</article>`;
}

function fleetTable(view: ReportView): string {
  const head = view.frameworks.map((f) => `<th scope="col">${esc(f.name)}</th>`).join('');
  const rows = view.sources.map((s) => `<tr><th scope="row">${esc(s.name)}</th>${view.frameworks.map((f) => `<td class="num">${pct(f.bySource.find((x) => x.source === s.name)?.compliance ?? null)}</td>`).join('')}<td class="num">${s.findings}</td></tr>`).join('');
  return `<h3>Per ${sourceWord(view).toLowerCase()}</h3><div class="scroll"><table class="fleet"><caption>Compliance per ${sourceWord(view).toLowerCase()} (latest scan of each)</caption><thead><tr><th scope="col">${sourceWord(view)}</th>${head}<th scope="col">Findings</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function severityChart(counts: Record<Severity, number>): string {
  const max = Math.max(1, ...SEVERITIES.map((s) => counts[s]));
  const bar = 22;
  const rows = SEVERITIES.map((s, i) => {
    const w = Math.round((counts[s] / max) * 220);
    return `<g transform="translate(0 ${i * (bar + 6)})"><text x="0" y="${bar - 6}" class="label">${s}</text><rect x="80" y="0" width="${Math.max(w, 1)}" height="${bar}" class="sev-${s}"/><text x="${86 + w}" y="${bar - 6}" class="count" data-severity="${s}">${counts[s]}</text></g>`;
  }).join('');
  const label = SEVERITIES.map((s) => `${s} ${counts[s]}`).join(', ');
  return `<svg class="chart" role="img" aria-label="Findings by severity: ${label}" viewBox="0 0 360 ${SEVERITIES.length * (bar + 6)}" width="360" height="${SEVERITIES.length * (bar + 6)}"><title>Findings by severity: ${label}</title>${rows}</svg>`;
}

function trendSvg(framework: string, source: string, trend: TrendPoint[]): string {
  const points = trend.filter((p) => p.compliance !== null);
  if (points.length < 2) return '';
  const w = 120;
  const h = 32;
  const xy = points.map((p, i) => `${((i / (points.length - 1)) * (w - 4) + 2).toFixed(1)},${(h - 2 - (p.compliance! / 100) * (h - 4)).toFixed(1)}`);
  const label = `Trend of ${framework}${source ? ` for ${source}` : ''}: ${points.map((p) => pct(p.compliance)).join(' → ')}`;
  return `<svg class="trend" role="img" aria-label="${esc(label)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}"><title>${esc(label)}</title><polyline points="${xy.join(' ')}"/>${xy.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2"/>`).join('')}</svg>`;
}

function topControls(view: ReportView): string {
  if (view.topControls.length === 0) return '<p>No control fails.</p>';
  const rows = view.topControls.map((c) => `<tr><td><code>${esc(c.id)}</code><br>${esc(c.title)}</td><td>${sevBadge(c.severity)}</td><td class="num" data-control="${esc(c.id)}">${c.failed}</td><td>${esc(c.frameworks.join(', '))}${view.fleet ? `<br><span class="muted">${esc(c.sources.join(', '))}</span>` : ''}</td></tr>`).join('');
  return `<table class="top-controls"><caption>Ranked by severity × failing resources</caption><thead><tr><th scope="col">Control</th><th scope="col">Severity</th><th scope="col">Failing resources</th><th scope="col">Frameworks</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function topNamespaces(view: ReportView): string {
  if (view.topNamespaces.length === 0) return '<p>No namespace has findings.</p>';
  const rows = view.topNamespaces.map((n) => `<tr>${view.fleet ? `<td>${esc(n.source)}</td>` : ''}<td>${n.namespace === '' ? '<em>cluster-scoped</em>' : esc(n.namespace)}</td><td class="num">${n.failing} / ${n.objects}</td>${SEVERITIES.map((s) => `<td class="num">${n.findings[s]}</td>`).join('')}</tr>`).join('');
  return `<table class="top-namespaces"><caption>Ranked by severity-weighted findings</caption><thead><tr>${view.fleet ? `<th scope="col">${sourceWord(view)}</th>` : ''}<th scope="col">Namespace</th><th scope="col">Objects failing</th>${SEVERITIES.map((s) => `<th scope="col">${s}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

function frameworkViews(view: ReportView): string {
  const sections = view.details.map((f) => {
    const parts = f.bySource.map((s) => {
      const judged = s.controls.filter((c) => c.status === 'judged');
      const uncovered = s.controls.length - judged.length;
      return `${f.bySource.length > 1 ? `<h4>${esc(s.source)}: ${pct(s.compliance)}</h4>` : ''}<div class="scroll"><table class="controls"><caption>${esc(f.name)}${f.bySource.length > 1 ? ` on ${esc(s.source)}` : ''}: ${s.controls.length} controls${uncovered > 0 ? `, ${uncovered} not covered by the enabled policies` : ''}</caption><thead><tr><th scope="col">Control</th><th scope="col">Severity</th><th scope="col">Passed</th><th scope="col">Failed</th><th scope="col">Exempt</th><th scope="col">Score</th><th scope="col">Failing resources</th></tr></thead><tbody>${s.controls.map(controlRow).join('')}</tbody></table></div>`;
    }).join('');
    return `<details id="fw-${esc(f.id)}"><summary>${esc(f.name)}: ${f.bySource.map((s) => pct(s.compliance)).join(' · ')}</summary>${parts}</details>`;
  }).join('\n');
  return `<section id="frameworks" aria-labelledby="frameworks-h"><h2 id="frameworks-h">Frameworks</h2><p class="muted">Every control with its pass and fail counts; open a framework to see its controls and failing resources.</p>${sections}</section>`;
}

function controlRow(c: ControlRow): string {
  const failing = c.failing.length === 0 ? '' : `<details><summary>${c.failed} failing</summary><ul>${c.failing.map((x) => `<li>${esc(x.object)}: <code>${esc(x.policyId)}</code>${x.path ? ` at <code>${esc(x.path)}</code>` : ''}</li>`).join('')}${c.failed > FAILING_SHOWN ? `<li class="muted">and more: filter the findings table by framework and policy</li>` : ''}</ul></details>`;
  const status = c.status === 'not-covered' ? '<td colspan="4" class="muted">not covered by the enabled policies</td>' : `<td class="num">${c.passed}</td><td class="num">${c.failed}</td><td class="num">${c.exempt}</td><td class="num">${c.score === null ? 'n/a' : pct(c.score * 100)}</td>`;
  return `<tr data-control="${esc(c.id)}"><td><code>${esc(c.id)}</code><br>${esc(c.title)}${c.policies.length > 0 ? `<br><span class="muted">${esc(c.policies.join(', '))}</span>` : ''}</td><td>${c.severity ? sevBadge(c.severity) : ''}</td>${status}<td>${failing}</td></tr>`;
}

/** Image vulnerabilities (category vulnerability): by severity, fixable share, by image, by namespace, images not scanned. */
function vulnerabilitiesSection(view: ReportView): string {
  const v = view.vulnerabilities;
  const head = '<section id="vulnerabilities" aria-labelledby="vulnerabilities-h"><h2 id="vulnerabilities-h">Vulnerabilities</h2>';
  if (v.findings === 0) return `${head}<p>No finding of category vulnerability in this scan: either no image scan results were given (<code>scan --vulnerabilities</code>, Trivy Operator in the cluster) or every scanned image is below the threshold.</p></section>`;
  const sevHead = VULN_SEVERITIES.map((s) => `<th scope="col" class="num">${s}</th>`).join('');
  const sevCells = (c: Record<VulnSeverity, number>) => VULN_SEVERITIES.map((s) => `<td class="num">${c[s]}</td>`).join('');
  const totals = `<table class="vuln-severity"><caption>Vulnerabilities counted by the policy, each image once (${v.images} image(s))</caption><thead><tr>${sevHead}<th scope="col" class="num">Fixable</th></tr></thead><tbody><tr>${VULN_SEVERITIES.map((s) => `<td class="num" data-vuln-severity="${s}">${v.bySeverity[s]}</td>`).join('')}<td class="num" data-fixable-share>${pct(v.fixableShare)}</td></tr></tbody></table>`;
  const images = v.byImage.length === 0 ? '' : `<h3>By image</h3><div class="scroll"><table class="vuln-images"><caption>Worst first, at most ${VULN_TOP}</caption><thead><tr>${view.fleet ? `<th scope="col">${sourceWord(view)}</th>` : ''}<th scope="col">Image</th><th scope="col" class="num">Resources</th>${sevHead}<th scope="col" class="num">Fixable</th></tr></thead><tbody>${v.byImage.map((r) => `<tr data-image="${esc(r.image)}">${view.fleet ? `<td>${esc(r.source)}</td>` : ''}<td><code>${esc(r.image)}</code></td><td class="num">${r.resources}</td>${sevCells(r.counts)}<td class="num">${r.fixable} / ${r.total}</td></tr>`).join('')}</tbody></table></div>`;
  const namespaces = v.byNamespace.length === 0 ? '' : `<h3>By namespace</h3><div class="scroll"><table class="vuln-namespaces"><caption>Every affected resource counts, worst first, at most ${VULN_TOP}</caption><thead><tr>${view.fleet ? `<th scope="col">${sourceWord(view)}</th>` : ''}<th scope="col">Namespace</th><th scope="col" class="num">Resources</th>${sevHead}<th scope="col" class="num">Fixable</th></tr></thead><tbody>${v.byNamespace.map((r) => `<tr data-namespace="${esc(r.namespace)}">${view.fleet ? `<td>${esc(r.source)}</td>` : ''}<td>${r.namespace === '' ? '<em>cluster-scoped</em>' : esc(r.namespace)}</td><td class="num">${r.resources}</td>${sevCells(r.counts)}<td class="num">${r.fixable} / ${r.total}</td></tr>`).join('')}</tbody></table></div>`;
  const missing = v.notScanned.length === 0 ? '' : `<h3>Not scanned</h3><p>${v.notScanned.length} image(s) have no scan result (not scanned is not clean):</p><ul class="vuln-missing">${v.notScanned.slice(0, VULN_TOP).map((i) => `<li><code>${esc(i)}</code></li>`).join('')}${v.notScanned.length > VULN_TOP ? `<li class="muted">and ${v.notScanned.length - VULN_TOP} more: filter the findings table by policy</li>` : ''}</ul>`;
  const other = v.notItemised > 0 ? `<p class="muted">${v.notItemised} vulnerability finding(s) of other policies are not itemised here; they are in the findings table.</p>` : '';
  return `${head}${totals}${images}${namespaces}${missing}${other}</section>`;
}

function findingsSection(view: ReportView): string {
  const fleet = view.fleet ? `<label>${sourceWord(view)} <select id="f-source"><option value="">all</option></select></label>` : '';
  return `<section id="findings" aria-labelledby="findings-h">
<h2 id="findings-h">Findings</h2>
<form id="filters" class="filters" role="search" aria-label="Filter findings">
${fleet}<label>Namespace <select id="f-namespace"><option value="">all</option></select></label>
<label>Severity <select id="f-severity"><option value="">all</option>${SEVERITIES.map((s) => `<option value="${s}">${s}</option>`).join('')}</select></label>
<label>Policy <select id="f-policy"><option value="">all</option></select></label>
<label>Framework <select id="f-framework"><option value="">all</option></select></label>
<label>Text <input id="f-text" type="search" placeholder="name, message, path"></label>
<button type="reset">Clear</button>
</form>
<p id="f-count" role="status" aria-live="polite">${view.findings} finding(s)</p>
<div class="scroll"><table id="findings-table" class="findings"><thead><tr>
<th scope="col" data-sort="0" aria-sort="none"><button type="button">Severity</button></th>
${view.fleet ? `<th scope="col" data-sort="1" aria-sort="none"><button type="button">${sourceWord(view)}</button></th>` : ''}
<th scope="col" data-sort="2" aria-sort="none"><button type="button">Namespace</button></th>
<th scope="col" data-sort="3" aria-sort="none"><button type="button">Resource</button></th>
<th scope="col" data-sort="4" aria-sort="none"><button type="button">Policy</button></th>
<th scope="col" data-sort="5" aria-sort="none"><button type="button">Finding</button></th>
</tr></thead><tbody><tr><td colspan="6">The findings table needs JavaScript.</td></tr></tbody></table></div>
<nav class="pager" aria-label="Findings pages"><button type="button" id="p-prev">Previous</button> <span id="p-info"></span> <button type="button" id="p-next">Next</button></nav>
</section>`;
}

/** What a fleet's sources are called: clusters when they all are. */
function sourceWord(view: ReportView): string {
  return view.sources.every((s) => s.type === 'cluster') ? 'Cluster' : 'Source';
}

function sevBadge(s: Severity | undefined): string {
  return s ? `<span class="sev sev-${s}">${s}</span>` : '';
}

function pct(n: number | null | undefined): string {
  return n === null || n === undefined ? 'n/a' : `${n.toFixed(1)}%`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a script element: `<` escaped so no `</script>` or `<!--` can end or bend it. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export type { ReportView };
