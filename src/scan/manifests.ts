import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
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

const MANIFEST_EXT = new Set(['.yaml', '.yml', '.json']);
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Expands files and directories (recursively) into manifest files, sorted. `-` is standard input. */
export async function manifestFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const s = await stat(p);
    if (s.isDirectory()) {
      for (const e of (await readdir(p)).sort()) if (!e.startsWith('.') && e !== 'node_modules') await walk(join(p, e));
    } else if (MANIFEST_EXT.has(extname(p))) out.push(p);
  };
  for (const p of paths) {
    if (p === '-') out.push('-');
    else await walk(p);
  }
  return out;
}

/** Parses one manifest text: several YAML documents, `kind: List` expanded. Never throws. */
export function parseManifests(text: string, file: string): { objects: ManifestObject[]; problems: Problem[] } {
  const lc = new LineCounter();
  const objects: ManifestObject[] = [];
  const problems: Problem[] = [];
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push({ code: 'KP_ERR_INPUT_PARSE', message: e.message.split('\n')[0] ?? e.message, file, ...(e.linePos?.[0] ? { line: e.linePos[0].line } : {}) });
      continue;
    }
    const data: unknown = doc.toJS({ maxAliasCount: 100 });
    if (data === null || data === undefined) continue;
    const add = (object: unknown, base: (string | number)[]) => {
      if (!isRecord(object)) {
        problems.push({ code: 'KP_ERR_INPUT_PARSE', message: 'document is not a Kubernetes object (a mapping with apiVersion and kind)', file, line: locate(doc, base, lc) });
        return;
      }
      if (object.kind === 'List' && Array.isArray(object.items)) {
        object.items.forEach((item, i) => add(item, [...base, 'items', i]));
        return;
      }
      objects.push({ object, file, line: locate(doc, base, lc), lineOf: (path) => locate(doc, [...base, ...path], lc) });
    };
    add(data, []);
  }
  return { objects, problems };
}

export async function readManifests(paths: readonly string[]): Promise<{ objects: ManifestObject[]; problems: Problem[] }> {
  const objects: ManifestObject[] = [];
  const problems: Problem[] = [];
  let files: string[];
  try {
    files = await manifestFiles(paths);
  } catch (err) {
    return { objects, problems: [{ code: 'KP_ERR_INPUT_PARSE', message: (err as Error).message }] };
  }
  for (const file of files) {
    let text: string;
    try {
      if (file !== '-' && (await stat(file)).size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
      text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
