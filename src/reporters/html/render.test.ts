import t from 'tap';
import { renderHtml, jsonForScript } from './render.js';
import { renderMarkdown } from '../markdown.js';
import type { ScanDocument } from '../scan-document.js';

const hostile = '</script><script>alert(1)</script><!--';

function doc(name: string, at: string, message = 'container "a" is privileged'): ScanDocument {
  return {
    apiVersion: 'kube-posture.io/scan/v1',
    source: { type: 'cluster', name },
    generatedAt: at,
    tool: { name: 'kube-posture', version: '1.2.3' },
    policySet: { profile: 'recommended', mode: 'enforce', pssVersion: 'v1.37', configDigest: `sha256:${'0'.repeat(64)}`, policies: [] },
    summary: { objects: 1, denied: 1, exempt: 0, findings: { deny: 1, warn: 0, audit: 0 }, bySeverity: { critical: 0, high: 1, medium: 0, low: 0, info: 0 }, errors: 0 },
    problems: [],
    objects: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'shop', uid: 'u', resourceVersion: '1', allowed: false, status: 'evaluated', findings: [{ kind: 'violation', policyId: 'pss-privileged', title: 't', severity: 'high', category: 'pod-security', action: 'deny', message, path: 'spec.containers[0].securityContext.privileged', remediation: 'Set privileged to false.', controls: ['pss:baseline/privileged'] }] }],
    compliance: {
      frameworks: [{ id: 'pss-baseline', name: 'Pod Security Standards: baseline', compliance: 0, risk: 100, applied: 1, controls: [{ id: 'pss:baseline/privileged', title: 'Privileged', status: 'judged', severity: 'high', policies: ['pss-privileged'], evaluated: 1, passed: 0, failed: 1, exempt: 0, score: 0, failing: [{ object: 'Pod shop/p', policyId: 'pss-privileged', path: 'spec.containers[0].securityContext.privileged' }] }] }],
      namespaces: [{ namespace: 'shop', objects: 1, failing: 1, findings: { critical: 0, high: 1, medium: 0, low: 0, info: 0 }, weight: 7 }],
    },
  };
}

t.test('self-contained: a CSP that forbids requests, no external reference, data escaped', async (t) => {
  const html = renderHtml([doc(`prod${hostile}`, '2026-01-01T00:00:00.000Z', hostile)]);
  t.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:;/);
  t.notMatch(html, /\b(src|href)="(https?:)?\/\//, 'no external script, style, image or link');
  t.notMatch(html, /@import|url\(/, 'no stylesheet import or web font');
  // The only script end tags are the two the page has: hostile text cannot close one.
  t.equal(html.split('</script>').length - 1, 2);
  t.notMatch(html, /<script>alert/);
  const data = /<script type="application\/json" id="kp-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  t.ok((JSON.parse(data) as { strings: string[] }).strings.includes(hostile), 'the text survives, escaped');
  t.equal(jsonForScript('<\u2028'), '"\\u003c\\u2028"');
});

t.test('time order, trend and fleet', async (t) => {
  const later = { ...doc('prod', '2026-01-02T00:00:00.000Z') };
  later.compliance = { ...later.compliance, frameworks: [{ ...later.compliance.frameworks[0]!, compliance: 50 }] };
  const html = renderHtml([later, doc('prod', '2026-01-01T00:00:00.000Z')]);
  t.match(html, /<span class="score" data-framework="pss-baseline" data-source="prod">50\.0%<\/span>/, 'the latest scan is the current state');
  t.match(html, /aria-label="Trend of Pod Security Standards: baseline for prod: 0\.0% → 50\.0%"/);
  t.notMatch(html, /Per cluster/, 'one source: no fleet table');
  const fleet = renderHtml([doc('prod', '2026-01-01T00:00:00.000Z'), doc('dev', '2026-01-01T00:00:00.000Z')]);
  t.match(fleet, /Kubernetes posture: fleet of 2 clusters/);
  t.match(fleet, /<caption>Compliance per cluster/);
  t.match(fleet, /<label>Cluster <select id="f-source">/);
  t.match(fleet, /<button type="button">Cluster<\/button>/, 'a cluster column');
  const md = renderMarkdown([doc('prod', '2026-01-01T00:00:00.000Z'), doc('dev', '2026-01-01T00:00:00.000Z')]);
  t.match(md, /\| Framework \| prod \| dev \|\n\|---\|---:\|---:\|\n\| Pod Security Standards: baseline \| 0\.0% \| 0\.0% \|/, 'markdown: a column per cluster');
});

t.test('a scan without findings draws a page and a summary', async (t) => {
  const clean = doc('prod', '2026-01-01T00:00:00.000Z');
  clean.objects = [];
  clean.compliance.namespaces = [];
  clean.compliance.frameworks = [{ ...clean.compliance.frameworks[0]!, compliance: null, risk: null, applied: 0, controls: [] }];
  const html = renderHtml([clean]);
  t.match(html, /No control fails\./);
  t.match(html, /n\/a/);
  t.match(renderMarkdown([clean]), /\| Pod Security Standards: baseline \| n\/a \| n\/a \| 0 \|/);
});
