import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { planFixes } from '../core/fix.js';
import type { PolicyRunner } from '../core/engine.js';
import type { EngineConfig } from '../core/engine-config.js';
import { inputFromObject } from '../core/input.js';
import { parsePath, type PathSegment } from '../core/path.js';
import type { Registry } from '../core/registry.js';
import { asRecord, isRecord } from '../core/safe.js';
import type { Problem } from '../core/errors.js';
import { errorMessage } from '../core/errors.js';
import { lineOfPath } from '../yaml/locate.js';
import { applyOperations, EditRefused, layoutOf, mergeEdits } from './yaml-edit.js';

/** A finding left after fixing: the policy, the object and the path, and why it was not fixed. */
export interface Remaining {
  policyId: string;
  action: string;
  object: string;
  file: string;
  line: number;
  path: string;
  message: string;
  reason: string;
}

export interface TextFix {
  /** The text with the fixes made (the original when nothing could be fixed). */
  text: string;
  /** Findings the fixes mended. */
  fixed: number;
  /** Kubernetes objects in the text. */
  objects: number;
  /** Findings still in the fixed text. */
  remaining: Remaining[];
  /** Input errors: the text is left as it is. */
  problems: Problem[];
}

export interface FixOptions {
  registry: Registry;
  config: EngineConfig;
  runner?: PolicyRunner;
  /** Namespace of objects that name none (as `scan --namespace`). */
  defaultNamespace?: string;
}

interface Located {
  doc: Document;
  base: PathSegment[];
  object: Record<string, unknown>;
}

/** The Kubernetes objects of parsed documents, as `scan` reads them: lists and typed lists expanded. */
function objectsOf(docs: Document[], file: string, lc: LineCounter, problems: Problem[]): Located[] {
  const out: Located[] = [];
  const visit = (doc: Document, value: unknown, base: PathSegment[], defaults?: { apiVersion: string; kind: string }): void => {
    const line = lineOfPath(doc, base, lc);
    if (!isRecord(value)) {
      problems.push({ code: 'KP_ERR_INPUT_NOT_OBJECT', message: 'not a Kubernetes object: a mapping with apiVersion and kind is expected', file, line });
      return;
    }
    const o = defaults !== undefined && (value.apiVersion === undefined || value.kind === undefined) ? { apiVersion: defaults.apiVersion, kind: defaults.kind, ...value } : value;
    if (typeof o.apiVersion !== 'string' || o.apiVersion === '' || typeof o.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(o.kind)) {
      problems.push({ code: 'KP_ERR_INPUT_NOT_OBJECT', message: 'not a Kubernetes object: no apiVersion or no CamelCase kind', file, line });
      return;
    }
    const kind = o.kind;
    if (Array.isArray(o.items) && kind.endsWith('List')) {
      const itemDefaults = kind === 'List' ? undefined : { apiVersion: o.apiVersion, kind: kind.slice(0, -4) };
      o.items.forEach((item, i) => visit(doc, item, [...base, 'items', i], itemDefaults));
      return;
    }
    out.push({ doc, base, object: o });
  };
  for (const doc of docs) {
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      problems.push({ code: 'KP_ERR_INPUT_PARSE', message: errorMessage(err).split('\n')[0] ?? 'cannot read the document', file, line: lineOfPath(doc, [], lc) });
      continue;
    }
    if (data === null || data === undefined) continue;
    visit(doc, data, []);
  }
  return out;
}

function parse(text: string, file: string): { docs: Document[]; lc: LineCounter; problems: Problem[] } {
  const lc = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, merge: true });
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  const problems: Problem[] = [];
  for (const doc of docs) {
    for (const e of doc.errors) {
      const message = e.code === 'DUPLICATE_KEY' ? 'duplicate mapping key (kubectl rejects it; with two values it is unclear which one is meant)' : e.message.split('\n')[0] ?? e.message;
      problems.push({ code: 'KP_ERR_INPUT_PARSE', message, file, ...(e.linePos?.[0] ? { line: e.linePos[0].line } : {}) });
    }
  }
  return { docs, lc, problems };
}

function inputOf(object: Record<string, unknown>, defaultNamespace: string | undefined) {
  const meta = asRecord(object.metadata) ?? {};
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : defaultNamespace;
  return inputFromObject(object, namespace !== undefined ? { namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace } } : {});
}

function nameOf(object: Record<string, unknown>): string {
  const meta = asRecord(object.metadata) ?? {};
  return `${String(object.kind)} ${typeof meta.namespace === 'string' ? `${meta.namespace}/` : ''}${typeof meta.name === 'string' ? meta.name : ''}`;
}

/**
 * Fixes the findings of one manifest text that the policies know how to fix, editing the YAML documents'
 * nodes so that comments, key order and the lines no fix touches stay as they were. A text with input
 * errors is left as it is. Running it again on its own output changes nothing.
 */
export function fixText(text: string, file: string, options: FixOptions): TextFix {
  const { docs, lc, problems } = parse(text, file);
  if (problems.length > 0) return { text, fixed: 0, objects: 0, remaining: [], problems };
  const objects = objectsOf(docs, file, lc, problems);
  if (problems.length > 0) return { text, fixed: 0, objects: 0, remaining: [], problems };
  const layout = layoutOf(text);
  const base = docs.map((d) => d.toString(layout)).join('');
  const refused = new Map<string, string>();
  let fixed = 0;
  for (const { doc, base: at, object } of objects) {
    const plan = planFixes(inputOf(object, options.defaultNamespace), options.registry, options.config, options.runner);
    for (const { finding, operations } of plan.fixed) {
      try {
        applyOperations(doc, at, operations);
        fixed++;
      } catch (err) {
        if (!(err instanceof EditRefused)) throw err;
        refused.set(`${nameOf(object)}\u0000${finding.policyId}\u0000${finding.path}`, `cannot be edited safely: ${err.message}`);
      }
    }
  }
  const edited = docs.map((d) => d.toString(layout)).join('');
  const out = mergeEdits(text, base, edited);
  // What is left is judged on the result, so that the list is exactly what a scan of it would find.
  const after = parse(out, file);
  const remaining: Remaining[] = [];
  for (const { doc, base: at, object } of objectsOf(after.docs, file, after.lc, [])) {
    const plan = planFixes(inputOf(object, options.defaultNamespace), options.registry, options.config, options.runner);
    const why = new Map(plan.unfixable.map((u) => [u.finding, u.reason]));
    for (const f of plan.findings) {
      const key = `${nameOf(object)}\u0000${f.policyId}\u0000${f.path}`;
      remaining.push({
        policyId: f.policyId, action: f.action, object: nameOf(object), file, line: lineOfPath(doc, [...at, ...(f.path === '' ? [] : parsePath(f.path))], after.lc),
        path: f.path, message: f.message, reason: why.get(f) ?? refused.get(key) ?? 'the fix did not remove it',
      });
    }
  }
  return { text: out, fixed, objects: objects.length, remaining, problems };
}
