import { evaluate, type EvaluateOptions } from '../core/engine.js';
import { decide } from '../core/decide.js';
import { inputFromObject } from '../core/input.js';
import type { VulnerabilityLookup } from '../core/vulnerabilities.js';
import { parsePath } from '../core/path.js';
import { asRecord } from '../core/safe.js';
import type { Problem } from '../core/errors.js';
import type { PolicySet } from '../policy-set/policy-set.js';
import { buildReport, objectResult } from '../results/build.js';
import { ResultSharing } from '../results/share.js';
import type { FileRef, ObjectResult, Report } from '../results/model.js';
import type { ManifestObject } from './manifests.js';
import { ContextCollector } from './scan-context.js';
import { viewKinds } from '../core/context.js';
import { canonicalKind, groupOf, isAnyKind, kindKey } from '../core/kinds.js';
import { ServiceAccountIndex, type ServiceAccountLookup } from '../core/service-accounts.js';

export type ScanOptions = EvaluateOptions & { defaultNamespace?: string; problems?: Problem[]; vulnerabilities?: VulnerabilityLookup };

/** What is kept of one object after it is judged: where it is, and what it was judged without. */
interface Entry {
  file: string;
  line: number;
  /** The object again (parsed anew from its bytes when it was streamed): for re-judging and for lines of later findings. */
  reread: () => ManifestObject | undefined;
  /** Its namespace had no Namespace in the input yet when it was judged. */
  namespaceUnknown?: string;
  /** ServiceAccounts (namespace/name) a policy asked about that the input had not shown yet. */
  accountsMissed?: string[];
}

/**
 * Judges manifests one at a time as they are read, as the webhook would judge their creation; what
 * one object needs of others comes from the input too: Namespaces lend their labels to the objects in
 * them (PSA-style namespace labels apply offline), ServiceAccounts tell the pods that use them whether a
 * token is mounted. An object judged before the Namespace or ServiceAccount it depends on appeared is
 * judged again at the end. Then the enabled cluster policies judge the set as a whole (./scan-context.ts).
 * Memory: one result and a few fields per object; never the objects themselves.
 */
export class ScanSession {
  private readonly nsLabels = new Map<string, Record<string, string>>();
  private readonly accounts = new ServiceAccountIndex();
  private readonly results: ObjectResult[] = [];
  /** Passed-policy lists, verdicts and exemptions held once for the many objects that share them (a list of ~70 ids each was half of a 50,000-object scan's results). */
  private readonly sharing = new ResultSharing(50_000, { findings: false });
  private readonly entries: Entry[] = [];
  private readonly context: ContextCollector | undefined;
  private missed: string[] | undefined;
  private readonly lookup: ServiceAccountLookup;

  constructor(private readonly set: PolicySet, private readonly options: ScanOptions = {}) {
    this.context = viewKinds(set.registry, set.engine).length > 0 ? new ContextCollector(set, options) : undefined;
    // Records the accounts asked about and not (yet) known, so the object can be judged again when one comes later.
    this.lookup = {
      get: (namespace, name) => {
        const found = this.accounts.get(namespace, name);
        if (found === undefined) (this.missed ??= []).push(ServiceAccountIndex.key(namespace, name));
        return found;
      },
    };
  }

  private namespaceOf(object: Record<string, unknown>): string | undefined {
    const ns = asRecord(object.metadata)?.namespace;
    return typeof ns === 'string' ? ns : this.options.defaultNamespace;
  }

  /** Judges one object. `reread` gives it back later (the same object when it is held anyway). */
  add(m: ManifestObject, reread: () => ManifestObject | undefined = () => m): void {
    const namespace = this.namespaceOf(m.object);
    if (m.object.kind === 'Namespace' && m.object.apiVersion === 'v1') {
      const meta = asRecord(m.object.metadata);
      if (typeof meta?.name === 'string') this.nsLabels.set(meta.name, (asRecord(meta.labels) ?? {}) as Record<string, string>);
    }
    this.accounts.add(m.object, namespace);
    const entry: Entry = { file: m.file, line: m.line, reread };
    this.results.push(this.judge(m, namespace, entry));
    this.entries.push(entry);
    this.context?.add(m.object, this.entries.length - 1);
  }

  private judge(m: ManifestObject, namespace: string | undefined, entry: Entry): ObjectResult {
    const meta = asRecord(m.object.metadata) ?? {};
    const known = namespace !== undefined ? this.nsLabels.get(namespace) : undefined;
    if (namespace !== undefined && known === undefined) entry.namespaceUnknown = namespace;
    else delete entry.namespaceUnknown;
    const labels = namespace !== undefined ? known ?? { 'kubernetes.io/metadata.name': namespace } : undefined;
    const input = inputFromObject(m.object, { ...(namespace !== undefined ? { namespace } : {}), ...(labels ? { namespaceLabels: labels } : {}), ...(this.options.vulnerabilities ? { vulnerabilities: this.options.vulnerabilities } : {}), serviceAccounts: this.lookup });
    this.missed = undefined;
    const result = evaluate(input, this.set.registry, this.set.engine, this.options);
    if (this.missed !== undefined) entry.accountsMissed = this.missed;
    else delete entry.accountsMissed;
    this.missed = undefined;
    const ref: FileRef = {
      apiVersion: String(m.object.apiVersion ?? ''),
      kind: String(m.object.kind ?? ''),
      name: typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '',
      ...(namespace !== undefined ? { namespace } : {}),
      file: m.file,
      line: m.line,
    };
    return this.sharing.share(objectResult(ref, result, decide(result), (path) => (path === '' ? m.line : m.lineOf(parsePath(path)))));
  }

  /** Judges again what was judged before its Namespace or ServiceAccount came, runs the cluster policies, and reports. */
  finish(problems: Problem[] = this.options.problems ?? []): Report {
    this.entries.forEach((entry, i) => {
      const late = (entry.namespaceUnknown !== undefined && this.nsLabels.has(entry.namespaceUnknown)) || (entry.accountsMissed?.some((k) => this.accounts.has(k)) ?? false);
      if (!late) return;
      const m = entry.reread();
      if (m !== undefined) this.results[i] = this.judge(m, this.namespaceOf(m.object), entry);
    });
    this.context?.place(this.results, (i) => {
      const entry = this.entries[i];
      return entry !== undefined ? { file: entry.file, line: entry.line, object: () => entry.reread() } : undefined;
    });
    const report = buildReport(this.results, problems);
    const notInspected = notInspectedKinds(this.results, this.set);
    return Object.keys(notInspected).length > 0 ? { ...report, notInspected } : report;
  }
}

/** Judges manifests held in memory (tests, the report bench): the same session `scan` streams through. */
export function scanManifests(objects: readonly ManifestObject[], set: PolicySet, options: ScanOptions = {}): Report {
  const session = new ScanSession(set, options);
  for (const m of objects) session.add(m);
  return session.finish();
}

/**
 * Kinds of the evaluated objects that no enabled policy looked at. A policy of every kind (`*`, such
 * as the removed-API-version check) does not count: it judges the version, not the object. A cluster
 * policy that reads the kind from the view does count.
 */
function notInspectedKinds(results: readonly ObjectResult[], set: PolicySet): Record<string, number> {
  const byView = new Set(viewKinds(set.registry, set.engine).map(kindKey));
  const specific = (id: string) => set.registry.policies.get(id)?.kinds.some(isAnyKind) !== true;
  const out: Record<string, number> = {};
  for (const o of results) {
    if (o.status !== 'evaluated') continue;
    const gk = canonicalKind({ group: groupOf(o.ref.apiVersion), kind: o.ref.kind });
    if (byView.has(kindKey(gk))) continue;
    const ids = [...(o.passed ?? []), ...o.findings.map((f) => f.policyId), ...o.policyExemptions.map((p) => p.policyId)];
    if (ids.some(specific)) continue;
    const key = kindKey(gk);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
