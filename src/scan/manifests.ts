import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { lineOfPath as locate } from '../yaml/locate.js';
import type { Problem } from '../core/errors.js';
import { isRecord } from '../core/safe.js';

/** One object read from a manifest, with what is needed to point back at its source. */
export interface ManifestObject {
  object: Record<string, unknown>;
  file: string;
  /** Line of the object's first line in the file (1-based). */
  line: number;
  /** Finds the line of a field path inside this object, for reports (SARIF regions, table output). */
  lineOf(path: readonly (string | number)[]): number;
}

/** Extensions that select files in a directory walk (compared lower-cased: `.YAML` counts). */
const MANIFEST_EXT = new Set(['.yaml', '.yml', '.json']);
const MAX_FILE_BYTES = 16 * 1024 * 1024;
/**
 * Names of standard input. Read through the process's own stream: opening them again fails with
 * ENXIO when standard input is a socket (as under some CI runners and process supervisors).
 */
const STDIN_NAMES = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/**
 * Expands files and directories (recursively) into manifest files. A file named on the command line
 * is read whatever its name (`rendered.txt`, `/dev/stdin`, a `<(helm template ...)` pipe), as kubectl
 * reads `-f`; extensions only filter what a directory walk finds. `-` is standard input.
 */
export async function manifestFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      // A symbolic link is followed as the walk would follow the path it names.
      const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(p).catch(() => undefined))?.isDirectory() === true);
      if (isDir) await walk(p);
      else if (MANIFEST_EXT.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  for (const p of paths) {
    if (STDIN_NAMES.has(p)) out.push(p);
    else if ((await stat(p)).isDirectory()) await walk(p);
    else out.push(p);
  }
  return out;
}

/** `PodList` -> `Pod`: a typed list as the API returns it (`kubectl get pods -o yaml` of one type, client output). */
function typedListItemKind(kind: string): string | undefined {
  return kind.length > 4 && kind.endsWith('List') ? kind.slice(0, -4) : undefined;
}

/** Why a mapping is not a Kubernetes object, or undefined when it is one. */
function notAnObject(object: Record<string, unknown>): string | undefined {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || apiVersion === '' || typeof kind !== 'string' || kind === '') {
    const missing = [typeof apiVersion !== 'string' || apiVersion === '' ? 'apiVersion' : '', typeof kind !== 'string' || kind === '' ? 'kind' : ''].filter((x) => x !== '');
    return `not a Kubernetes object: no ${missing.join(' and ')}`;
  }
  // Kinds are CamelCase type names; the API server answers `kind: pod` with "no kind "pod" is registered".
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) return `not a Kubernetes object: kind ${JSON.stringify(kind)} is not a type name (kinds are CamelCase, e.g. "Pod")`;
  return undefined;
}

/**
 * Parses one manifest text as kubectl reads it: several YAML documents, merge keys (`<<: *anchor`)
 * resolved, duplicate keys refused (kubectl's strict decoding), `kind: List` and typed lists
 * (`PodList`, ...) expanded, an AdmissionReview unwrapped to its object. Never throws.
 */
export function parseManifests(text: string, file: string): { objects: ManifestObject[]; problems: Problem[] } {
  const lc = new LineCounter();
  const objects: ManifestObject[] = [];
  const problems: Problem[] = [];
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const message = e.code === 'DUPLICATE_KEY' ? 'duplicate mapping key (kubectl rejects it; with two values it is unclear which one is meant)' : e.message.split('\n')[0] ?? e.message;
        problems.push({ code: 'KP_ERR_INPUT_PARSE', message, file, ...(e.linePos?.[0] ? { line: e.linePos[0].line } : {}) });
      }
      continue;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // Alias bombs and merges of non-mappings are refused by the yaml package at this step.
      problems.push({ code: 'KP_ERR_INPUT_PARSE', message: (err as Error).message.split('\n')[0] ?? 'cannot read the document', file, line: locate(doc, [], lc) });
      continue;
    }
    if (data === null || data === undefined) continue;
    addObject(doc, lc, file, data, [], undefined, objects, problems);
  }
  return { objects, problems };
}

function addObject(doc: Document, lc: LineCounter, file: string, object: unknown, base: (string | number)[], defaults: { apiVersion: string; kind: string } | undefined, objects: ManifestObject[], problems: Problem[]): void {
  const line = locate(doc, base, lc);
  const problem = (message: string) => problems.push({ code: 'KP_ERR_INPUT_NOT_OBJECT', message, file, line });
  if (!isRecord(object)) {
    problem(`not a Kubernetes object: a ${Array.isArray(object) ? 'sequence' : typeof object} where a mapping with apiVersion and kind is expected`);
    return;
  }
  // Items of a typed list may leave out apiVersion and kind (the API server does): the list names them.
  const o = defaults !== undefined && (object.apiVersion === undefined || object.kind === undefined) ? { apiVersion: defaults.apiVersion, kind: defaults.kind, ...object } : object;
  const why = notAnObject(o);
  if (why !== undefined) {
    problem(why);
    return;
  }
  const kind = o.kind as string;
  if (Array.isArray(o.items) && (kind === 'List' || typedListItemKind(kind) !== undefined)) {
    const itemDefaults = kind === 'List' ? undefined : { apiVersion: o.apiVersion as string, kind: typedListItemKind(kind)! };
    o.items.forEach((item, i) => addObject(doc, lc, file, item, [...base, 'items', i], itemDefaults, objects, problems));
    return;
  }
  if (kind === 'AdmissionReview') {
    const request = isRecord(o.request) ? o.request : undefined;
    if (request !== undefined && isRecord(request.object)) {
      addObject(doc, lc, file, request.object, [...base, 'request', 'object'], undefined, objects, problems);
      return;
    }
    problem('an AdmissionReview with no request.object: scan judges objects; give it the object itself (or send the review to the webhook)');
    return;
  }
  objects.push({ object: o, file, line, lineOf: (path) => locate(doc, [...base, ...path], lc) });
}

export async function readManifests(paths: readonly string[]): Promise<{ objects: ManifestObject[]; problems: Problem[] }> {
  const objects: ManifestObject[] = [];
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const p of paths) {
    try {
      files.push(...(await manifestFiles([p])));
    } catch (err) {
      problems.push({ code: 'KP_ERR_INPUT_PARSE', message: `cannot read: ${(err as Error).message}`, file: p });
    }
  }
  for (const file of files) {
    let text: string;
    try {
      text = await readBounded(STDIN_NAMES.has(file) ? process.stdin : createReadStream(file), MAX_FILE_BYTES);
    } catch (err) {
      problems.push({ code: 'KP_ERR_INPUT_PARSE', message: `cannot read: ${(err as Error).message}`, file });
      continue;
    }
    const r = parseManifests(text, file === '-' ? '<stdin>' : file);
    objects.push(...r.objects);
    problems.push(...r.problems);
  }
  return { objects, problems };
}

/** Reads a stream whole, refusing more than `limit` bytes (pipes and devices have no size to check first). */
async function readBounded(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of stream) {
      const chunk = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
      size += chunk.length;
      if (size > limit) throw new Error(`larger than ${limit} bytes`);
      chunks.push(chunk);
    }
  } finally {
    if (stream !== process.stdin) stream.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}
