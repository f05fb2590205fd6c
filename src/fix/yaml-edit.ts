import { diffArrays } from 'diff';
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type ToStringOptions, type YAMLMap, type YAMLSeq } from 'yaml';
import type { PathSegment } from '../core/path.js';
import { formatPath } from '../core/path.js';
import type { FixOperation } from '../core/types.js';
import { jsonEqual } from '../core/safe.js';

/** An edit that cannot be made safely on this document (an alias, a merge key, a field of the wrong type). */
export class EditRefused extends Error {}

type Collection = YAMLMap | YAMLSeq;

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || key.value === '<<' || key.source === '<<');
}

function hasMergeKey(map: YAMLMap): boolean {
  return map.items.some((p) => isMergeKey(p.key));
}

/** The node at `key` of a collection, refusing what an edit must not go through. */
function child(node: Collection, key: PathSegment, at: readonly PathSegment[]): Node | undefined {
  if (isMap(node)) {
    if (typeof key !== 'string') throw new EditRefused(`${formatPath(at)} is a mapping where a list is expected`);
    const found = node.get(key, true) as Node | undefined;
    // A key a merge key (`<<: *anchor`) may provide is not edited here: the change belongs to the anchor.
    if (found === undefined && hasMergeKey(node)) throw new EditRefused(`${formatPath(at)} merges a YAML anchor (<<: *...); edit the anchored mapping by hand`);
    if (isAlias(found)) throw new EditRefused(`${formatPath([...at, key])} is a YAML alias (*...); edit the anchored node by hand`);
    return found;
  }
  if (typeof key !== 'number') throw new EditRefused(`${formatPath(at)} is a list where a mapping is expected`);
  const found = node.get(key, true) as Node | undefined;
  if (isAlias(found)) throw new EditRefused(`${formatPath([...at, key])} is a YAML alias (*...); edit the anchored node by hand`);
  return found;
}

/** The collection at `path`, creating missing (or null) mappings on the way when `create`. */
function collectionAt(doc: Document, path: readonly PathSegment[], create: boolean): Collection | undefined {
  let node = doc.contents as Node | null;
  if (!isMap(node)) throw new EditRefused('the document is not a mapping');
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    let next = child(node, key, path.slice(0, i));
    if (next === undefined || (isScalar(next) && next.value === null)) {
      if (!create) return undefined;
      if (typeof path[i + 1] === 'number') throw new EditRefused(`${formatPath(path.slice(0, i + 1))} is missing: no list entry to edit`);
      const made = doc.createNode({}) as YAMLMap;
      // A null value (`securityContext:` with nothing after it) keeps its comment when it becomes a mapping.
      if (next !== undefined && isScalar(next) && next.comment) made.comment = next.comment;
      (node as Collection).set(key as never, made);
      next = made;
    }
    if (!isMap(next) && !isSeq(next)) throw new EditRefused(`${formatPath(path.slice(0, i + 1))} is a ${isScalar(next) ? 'scalar' : 'node'} where a mapping or list is expected`);
    node = next;
  }
  return node as Collection;
}

function setValue(doc: Document, path: readonly PathSegment[], value: unknown): void {
  const parent = collectionAt(doc, path.slice(0, -1), true)!;
  const key = path[path.length - 1]!;
  const existing = child(parent, key, path.slice(0, -1));
  if (existing !== undefined && isScalar(existing) && (value === null || typeof value !== 'object')) {
    if (existing.value === value) return;
    // The scalar node keeps its comments; a string keeps its quoting style, anything else is written plain.
    if (typeof value !== 'string') delete existing.type;
    existing.value = value;
    return;
  }
  if (existing !== undefined && jsonEqual(existing.toJSON(), value)) return;
  parent.set(key as never, doc.createNode(value));
}

/** Applies fix operations to a YAML document's nodes. `base` is where the object lies in the document (a list item). */
export function applyOperations(doc: Document, base: readonly PathSegment[], operations: readonly FixOperation[]): void {
  for (const op of operations) {
    const path = [...base, ...op.path];
    if (op.path.length === 0) throw new EditRefused('an edit of the whole object is not a fix');
    switch (op.op) {
      case 'set':
        setValue(doc, path, op.value);
        break;
      case 'merge': {
        const target = collectionAt(doc, path, true)!;
        if (!isMap(target)) throw new EditRefused(`${formatPath(path)} is not a mapping`);
        for (const [k, v] of Object.entries(op.value)) if (child(target, k, path) === undefined) setValue(doc, [...path, k], v);
        break;
      }
      case 'add': {
        const parent = collectionAt(doc, path.slice(0, -1), true)!;
        const list = child(parent, path[path.length - 1]!, path.slice(0, -1));
        if (list === undefined || (isScalar(list) && list.value === null)) {
          setValue(doc, path, [op.value]);
          break;
        }
        if (!isSeq(list)) throw new EditRefused(`${formatPath(path)} is not a list`);
        if (!list.items.some((item) => jsonEqual(isScalar(item) || isMap(item) || isSeq(item) ? item.toJSON() : item, op.value))) list.add(doc.createNode(op.value));
        break;
      }
      case 'remove': {
        const parent = collectionAt(doc, path.slice(0, -1), false);
        if (parent !== undefined) parent.delete(path[path.length - 1] as never);
        break;
      }
      default:
        throw new EditRefused(`unknown fix operation ${JSON.stringify((op as { op: unknown }).op)}`);
    }
  }
}

/**
 * How a document's text was laid out, so that writing it again changes as few lines as possible:
 * block lists at their key's column or indented, and the indentation step.
 */
export function layoutOf(text: string): ToStringOptions {
  const unindentedSeq = /^( *)[^\s#-][^\n]*:[ \t]*(#[^\n]*)?\n\1- /m.test(text);
  const step = /^([^\s#][^\n]*:[ \t]*\n)( +)\S/m.exec(text)?.[2]?.length;
  return { indentSeq: !unindentedSeq, indent: step !== undefined && step > 0 && step <= 8 ? step : 2, lineWidth: 0, minContentWidth: 0, flowCollectionPadding: /\{ \S/.test(text) || !/\{\S/.test(text) };
}

/**
 * The edited text with every line the edits did not touch exactly as it was. `base` is the original
 * documents written out by the yaml package, `edited` the same after the edits: what changed from base to
 * edited is laid over the original, so lines that the package writes differently (quoting, spacing,
 * indentation) but the fix did not touch keep their original form.
 */
export function mergeEdits(original: string, base: string, edited: string): string {
  if (base === edited) return original;
  if (base === original) return edited;
  const O = lines(original);
  const B = lines(base);
  const E = lines(edited);
  const toO = equalMap(B, O);
  const toE = equalMap(B, E);
  const fromE = new Array<number>(E.length).fill(-1);
  toE.forEach((e, b) => {
    if (e !== -1) fromE[e] = b;
  });
  const out: string[] = [];
  let pb = -1;
  let po = -1;
  let pe = -1;
  const flush = (nb: number, no: number, ne: number) => {
    // Between two stable lines: the original text if the fix left that stretch alone, else the edited text.
    let untouched = ne - pe === nb - pb;
    for (let b = pb + 1; untouched && b < nb; b++) if (toE[b] === -1) untouched = false;
    if (untouched) {
      out.push(...O.slice(po + 1, no));
      return;
    }
    // An edited stretch: its lines that the fix kept, but that the yaml package writes differently, keep
    // their original text when the original stretch lines up with the written one line for line.
    const aligned = no - po === nb - pb;
    for (let e = pe + 1; e < ne; e++) {
      const b = fromE[e]!;
      out.push(aligned && b > pb && b < nb ? O[po + (b - pb)]! : E[e]!);
    }
  };
  for (let b = 0; b < B.length; b++) {
    const o = toO[b]!;
    const e = toE[b]!;
    if (o === -1 || e === -1 || o <= po || e <= pe) continue;
    flush(b, o, e);
    out.push(O[o]!);
    pb = b;
    po = o;
    pe = e;
  }
  flush(B.length, O.length, E.length);
  return out.join('');
}

/** Lines with their line ends, so that joining them gives the text back. */
function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** For each line of `a`, the index of the line of `b` it is kept as, or -1. */
function equalMap(a: string[], b: string[]): number[] {
  const out = new Array<number>(a.length).fill(-1);
  let i = 0;
  let j = 0;
  for (const part of diffArrays(a, b)) {
    const n = part.count ?? part.value.length;
    if (part.added) j += n;
    else if (part.removed) i += n;
    else {
      for (let k = 0; k < n; k++) out[i + k] = j + k;
      i += n;
      j += n;
    }
  }
  return out;
}
