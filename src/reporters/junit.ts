import type { ObjectResult, Report } from '../results/model.js';
import { isFileRef } from '../results/model.js';
import { objectName, sourceGroup } from './describe.js';

/** XML text and attribute escaping; control characters XML 1.0 cannot carry are dropped. */
function esc(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * JUnit XML for CI test tabs: one test suite per file, one test case per object; deny-level findings
 * are failures, policy errors are errors, warnings go to system-out.
 */
export function renderJunit(report: Report): string {
  const byFile = new Map<string, ObjectResult[]>();
  for (const o of report.objects) {
    const group = sourceGroup(o.ref);
    const list = byFile.get(group);
    if (list) list.push(o);
    else byFile.set(group, [o]);
  }
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  // Counts agree with the cases below: a case with a policy error counts once as an error, each input
  // problem is one errored case of its own, so tests = the cases, and the totals are the suites' sums.
  // An object fails on deny-level findings that are not in the baseline (`--baseline`); baselined ones go to system-out.
  const fails = (o: ObjectResult) => !o.verdict.allowed && o.findings.some((x) => x.action === 'deny' && x.kind === 'violation' && x.baselined !== true);
  const failures = report.objects.filter(fails).length;
  const hasError = (o: ObjectResult) => o.findings.some((x) => x.kind === 'error');
  const objectErrors = report.objects.filter(hasError).length;
  out.push(`<testsuites name="kube-posture" tests="${report.objects.length + report.problems.length}" failures="${failures}" errors="${objectErrors + report.problems.length}">`);
  for (const [file, objects] of byFile) {
    const f = objects.filter(fails).length;
    const skipped = objects.filter((o) => o.status === 'exempt').length;
    out.push(`  <testsuite name="${esc(file)}" tests="${objects.length}" failures="${f}" errors="${objects.filter(hasError).length}" skipped="${skipped}">`);
    for (const o of objects) {
      const where = isFileRef(o.ref) ? ` file="${esc(o.ref.file)}" line="${o.ref.line}"` : '';
      out.push(`    <testcase classname="${esc(file)}" name="${esc(objectName(o.ref))}"${where}>`);
      if (o.status === 'exempt') out.push(`      <skipped message="${esc(`exempt: ${o.exemptBy ?? ''}`)}"/>`);
      const deny = fails(o) ? o.findings.filter((x) => x.action === 'deny' && x.kind === 'violation' && x.baselined !== true) : [];
      const errors = o.findings.filter((x) => x.kind === 'error');
      if (deny.length > 0) out.push(`      <failure message="${esc(o.verdict.message ?? `${deny.length} violation(s)`)}" type="policy-violation">${esc(deny.map((x) => `[${x.policyId}] ${x.message} at ${x.path}${x.line !== undefined ? ` (line ${x.line})` : ''}; fix: ${x.remediation}`).join('\n'))}</failure>`);
      for (const e of errors) out.push(`      <error message="${esc(`[${e.policyId}] ${e.message}`)}" type="policy-error"/>`);
      const notes = o.findings.filter((x) => x.kind === 'violation' && !deny.includes(x));
      if (notes.length > 0) out.push(`      <system-out>${esc(notes.map((x) => `${x.baselined === true ? 'baselined ' : ''}${x.action}: [${x.policyId}] ${x.message} at ${x.path}`).join('\n'))}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  if (report.problems.length > 0) {
    out.push(`  <testsuite name="input" tests="${report.problems.length}" failures="0" errors="${report.problems.length}" skipped="0">`);
    for (const p of report.problems) {
      const where = p.file !== undefined ? `${p.file}${p.line !== undefined ? `:${p.line}` : ''}` : 'input';
      const attrs = p.file !== undefined ? ` file="${esc(p.file)}"${p.line !== undefined ? ` line="${p.line}"` : ''}` : '';
      out.push(`    <testcase classname="input" name="${esc(where)}"${attrs}><error message="${esc(p.message)}" type="${p.code}"/></testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
