/** The impact preview of `audit --what-if`: the running objects a new setting would deny. */
import type { Problem } from '../core/errors.js';
import type { WouldDeny } from '../results/compare.js';
import { objectName } from './describe.js';

export interface WhatIfReport {
  setting: string;
  cluster: string;
  /** Objects examined under the new setting (owner roll-up applied). */
  objects: number;
  wouldDeny: WouldDeny[];
  problems: Problem[];
}

/** By namespace, then by policy: which objects, and whether each is denied today already. */
export function renderWhatIfTable(r: WhatIfReport): string {
  const lines: string[] = [];
  const fresh = r.wouldDeny.filter((w) => w.isNew).length;
  lines.push(`What if ${r.setting} (cluster ${r.cluster}): ${r.wouldDeny.length} of ${r.objects} running object(s) would be denied, ${fresh} of them not denied today.`);
  const byNamespace = new Map<string, Map<string, string[]>>();
  for (const w of r.wouldDeny) {
    const ns = w.object.ref.namespace ?? '(cluster-scoped)';
    let byPolicy = byNamespace.get(ns);
    if (!byPolicy) byNamespace.set(ns, (byPolicy = new Map()));
    for (const p of w.policies) {
      const list = byPolicy.get(p) ?? [];
      list.push(`${objectName(w.object.ref)}${w.isNew ? ' (new)' : ''}`);
      byPolicy.set(p, list);
    }
  }
  for (const ns of [...byNamespace.keys()].sort()) {
    lines.push('', `namespace ${ns}`);
    const byPolicy = byNamespace.get(ns)!;
    for (const p of [...byPolicy.keys()].sort()) {
      lines.push(`  ${p}:`);
      for (const o of byPolicy.get(p)!) lines.push(`    ${o}`);
    }
  }
  for (const p of r.problems) lines.push(`ERROR  ${p.path ? `${p.path}: ` : ''}${p.message}`);
  return lines.join('\n') + '\n';
}

export function renderWhatIfJson(r: WhatIfReport): string {
  return JSON.stringify({
    whatIf: r.setting,
    cluster: r.cluster,
    summary: { objects: r.objects, wouldDeny: r.wouldDeny.length, new: r.wouldDeny.filter((w) => w.isNew).length },
    problems: r.problems,
    wouldDeny: r.wouldDeny.map((w) => ({ ...w.object.ref, new: w.isNew, policies: w.policies, findings: w.object.findings.filter((f) => f.action === 'deny') })),
  }, null, 2) + '\n';
}
