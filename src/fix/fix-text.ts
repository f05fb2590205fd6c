import { planFixes } from '../core/fix.js';
import type { PolicyRunner } from '../core/engine.js';
import type { EngineConfig } from '../core/engine-config.js';
import { inputFromObject } from '../core/input.js';
import { parsePath, type PathSegment } from '../core/path.js';
import type { Registry } from '../core/registry.js';
import { asRecord } from '../core/safe.js';
import type { Problem } from '../core/errors.js';
import { parseAllDocuments, type Document } from 'yaml';
import { readObjects } from '../scan/manifests.js';
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
  /** Parser warnings (an unresolved tag), with file and line: they change nothing. */
  warnings: Problem[];
}

export interface FixOptions {
  registry: Registry;
  config: EngineConfig;
  runner?: PolicyRunner;
  /** Namespace of objects that name none (as `scan --namespace`). */
  defaultNamespace?: string;
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

/** An object with the YAML document it was read from and its path there: enough to edit it in place (`fix`). */
export interface LocatedObject {
  object: Record<string, unknown>;
  /** The `yaml` package's document that holds it, for editing (kept alive only as long as the caller keeps this). */
  doc: Document;
  /** Path of the object inside its document: `[]`, `['items', 3]`, `['request', 'object']`. */
  base: (string | number)[];
  line: number;
  /** The line of a field path inside the object. */
  lineOf(path: readonly (string | number)[]): number;
}

/**
 * `fix`'s reading of a whole file: the objects, problems and warnings `scan` would see (`readObjects`),
 * each with the `yaml` package's document that holds it, whose nodes `fix` edits (keeping comments and
 * formatting). A text the two parsers do not split into the same documents is refused, never edited.
 */
export function readManifestText(text: string, file: string): { docs: Document[]; objects: LocatedObject[]; problems: Problem[]; warnings: Problem[] } {
  const read = readObjects(text, file, 0);
  if (read.problems.length > 0) return { docs: [], objects: [], problems: read.problems, warnings: read.warnings };
  const parsed = parseAllDocuments(text, { uniqueKeys: true, merge: true, logLevel: 'silent' });
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  const editable = docs.length === read.documents.length && docs.every((d) => d.errors.length === 0);
  if (!editable) return { docs: [], objects: [], problems: [{ code: 'KP_ERR_INPUT_PARSE', message: 'cannot be edited: its YAML documents could not be mapped for editing', file }], warnings: read.warnings };
  const index = new Map(read.documents.map((d, i) => [d, i]));
  const objects = read.objects.map(({ object, doc, base, line }) => ({ object, doc: docs[index.get(doc)!]!, base, line, lineOf: (path: readonly (string | number)[]) => doc.lineOf([...base, ...path]) }));
  return { docs, objects, problems: [], warnings: read.warnings };
}

/**
 * Fixes the findings of one manifest text that the policies know how to fix, editing the YAML documents'
 * nodes so that comments, key order and the lines no fix touches stay as they were. A text with input
 * errors is left as it is. Running it again on its own output changes nothing.
 */
export function fixText(text: string, file: string, options: FixOptions): TextFix {
  // Read as `scan` reads it (src/scan/manifests.ts): the same lists, AdmissionReviews, merge keys and input errors.
  const { docs, objects, problems, warnings } = readManifestText(text, file);
  if (problems.length > 0) return { text, fixed: 0, objects: 0, remaining: [], problems, warnings };
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
  const after = readManifestText(out, file);
  const remaining: Remaining[] = [];
  for (const { object, lineOf } of after.objects) {
    const plan = planFixes(inputOf(object, options.defaultNamespace), options.registry, options.config, options.runner);
    const why = new Map(plan.unfixable.map((u) => [u.finding, u.reason]));
    for (const f of plan.findings) {
      const key = `${nameOf(object)}\u0000${f.policyId}\u0000${f.path}`;
      remaining.push({
        policyId: f.policyId, action: f.action, object: nameOf(object), file, line: lineOf(f.path === '' ? [] : parsePath(f.path)),
        path: f.path, message: f.message, reason: why.get(f) ?? refused.get(key) ?? 'the fix did not remove it',
      });
    }
  }
  return { text: out, fixed, objects: objects.length, remaining, problems, warnings };
}
