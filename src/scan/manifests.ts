import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { documentChunks } from './documents.js';
import { helmSourceOf, renderRootOf, renderTo, type RenderOptions, type RenderRoot } from './render.js';
import { readYaml, type YamlDocument, type YamlProblem } from '../yaml/read-yaml.js';
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
/**
 * Names of standard input. Read through the process's own stream: opening them again fails with
 * ENXIO when standard input is a socket (as under some CI runners and process supervisors).
 */
const STDIN_NAMES = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/**
 * Expands files and directories (recursively) into manifest files, and Helm charts and Kustomize roots
 * (./render.ts) to be rendered. A file named on the command line is read whatever its name (`rendered.txt`,
 * `/dev/stdin`, a `<(helm template ...)` pipe), as kubectl reads `-f`; extensions only filter what a
 * directory walk finds. `-` is standard input. A chart's or Kustomize root's own files are never walked as
 * manifests (its templates are not). With `render: false` (`fix`, which edits files in place and cannot edit
 * rendered output) charts and Kustomize roots are walked as any directory: only files come back.
 */
export async function manifestFiles(paths: readonly string[], options: { render: false }): Promise<string[]>;
export async function manifestFiles(paths: readonly string[], options?: { render?: boolean }): Promise<(string | RenderRoot)[]>;
export async function manifestFiles(paths: readonly string[], options: { render?: boolean } = {}): Promise<(string | RenderRoot)[]> {
  const out: (string | RenderRoot)[] = [];
  const walk = async (dir: string): Promise<void> => {
    const root = options.render === false ? undefined : await renderRootOf(dir);
    if (root !== undefined) {
      out.push(root);
      return;
    }
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

/**
 * The manifest files under a directory as `scan DIR` finds them (sorted walk, hidden entries and
 * node_modules skipped, `.yaml`/`.yml`/`.json` in any case), without rendering charts; none when the
 * directory does not exist. Policy fixtures and Pod Security conformance fixtures are found with it, so
 * a fixture folder holds exactly what a scan of it would read.
 */
export async function manifestFilesUnder(dir: string): Promise<string[]> {
  try {
    return await manifestFiles([dir], { render: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
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

/** An object found in a document, with its path there; `D` is what the caller needs of the document. */
export interface Found<D> {
  object: Record<string, unknown>;
  doc: D;
  base: (string | number)[];
  line: number;
}

/**
 * Reads one manifest text as kubectl reads it: several YAML documents, merge keys (`<<: *anchor`)
 * resolved, duplicate keys refused (kubectl's strict decoding), `kind: List` and typed lists
 * (`PodList`, ...) expanded, an AdmissionReview unwrapped to its object. Never throws. The one YAML
 * reader of manifests (`../yaml/read-yaml.ts`): `scan` reads with it one streamed document at a time
 * (`parseManifests`), and `fix` (`readManifestText`) takes its objects, problems and warnings from it too,
 * using the `yaml` package's document model only to edit (src/fix/fix-text.ts).
 */
export function readObjects(text: string, file: string, lineOffset: number): { objects: Found<YamlDocument>[]; documents: YamlDocument[]; problems: Problem[]; warnings: Problem[] } {
  const read = readYaml(text);
  const at = (p: YamlProblem): Problem => ({ code: 'KP_ERR_INPUT_PARSE', message: p.message, file, ...(p.line !== undefined ? { line: p.line + lineOffset } : {}) });
  const problems = read.problems.map(at);
  const warnings = read.warnings.map(at);
  const objects: Found<YamlDocument>[] = [];
  for (const doc of read.documents) {
    if (doc.value === null || doc.value === undefined) continue;
    addObject((path) => doc.lineOf(path) + lineOffset, doc, file, doc.value, [], undefined, objects, problems);
  }
  return { objects, documents: read.documents, problems, warnings };
}

/** The objects of one manifest text (see `readObjects`), each able to give the line of a field path. */
export function parseManifests(text: string, file: string, options: { lineOffset?: number } = {}): { objects: ManifestObject[]; problems: Problem[]; warnings: Problem[] } {
  const lineOffset = options.lineOffset ?? 0;
  const { objects, problems, warnings } = readObjects(text, file, lineOffset);
  return { objects: objects.map(({ object, doc, base, line }) => ({ object, file, line, lineOf: (path) => doc.lineOf([...base, ...path]) + lineOffset })), problems, warnings };
}

function addObject<D>(lineOf: (path: (string | number)[]) => number, doc: D, file: string, object: unknown, base: (string | number)[], defaults: { apiVersion: string; kind: string } | undefined, objects: Found<D>[], problems: Problem[]): void {
  const line = lineOf(base);
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
    o.items.forEach((item, i) => addObject(lineOf, doc, file, item, [...base, 'items', i], itemDefaults, objects, problems));
    return;
  }
  if (kind === 'AdmissionReview') {
    const request = isRecord(o.request) ? o.request : undefined;
    if (request !== undefined && isRecord(request.object)) {
      addObject(lineOf, doc, file, request.object, [...base, 'request', 'object'], undefined, objects, problems);
      return;
    }
    problem('an AdmissionReview with no request.object: scan judges objects; give it the object itself (or send the review to the webhook)');
    return;
  }
  objects.push({ object: o, doc, base, line });
}

/** Where an object was read: enough to read its document again (`ManifestReader.reread`). */
export interface ManifestLocation {
  /** A file to read the bytes from (standard input's copy for `-`). */
  path: string;
  /** The name reports give (`<stdin>` for `-`). */
  file: string;
  start: number;
  end: number;
  /** Added to a line counted in the document to give its line in `file`. */
  lineOffset: number;
  /** The object's place among those its document holds (lists hold several). */
  index: number;
}

/**
 * Reads manifests as a stream of objects, one document parsed at a time, so that memory does not grow
 * with the size of a file: no size limit, the same for a 66 MB file and for standard input. A document's
 * parsed form is dropped once its objects are handed out; `reread` parses it again from its bytes when a
 * report needs the line of a field later. Standard input is copied to a temporary file as it is read, so
 * that it can be read again too; `close` removes the copy.
 */
export class ManifestReader {
  readonly problems: Problem[] = [];
  readonly warnings: Problem[] = [];
  private spoolDir: string | undefined;
  private last: { key: string; objects: ManifestObject[] } | undefined;

  constructor(private readonly render: RenderOptions = {}) {}

  async *objects(paths: readonly string[]): AsyncGenerator<{ object: ManifestObject; at: ManifestLocation }> {
    for (const p of paths) {
      let files: (string | RenderRoot)[];
      try {
        files = await manifestFiles([p]);
      } catch (err) {
        this.problems.push({ code: 'KP_ERR_INPUT_PARSE', message: `cannot read: ${(err as Error).message}`, file: p });
        continue;
      }
      for (const file of files) yield* typeof file === 'string' ? this.readFile(file) : this.readRendered(file);
    }
  }

  private spoolPath(what: string): string {
    this.spoolDir ??= mkdtempSync(join(tmpdir(), 'kube-posture-input-'));
    return join(this.spoolDir, `${what}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  }

  /** A chart or Kustomize root: rendered to a file first, then read like one; Helm's `# Source:` comments name each document's template. */
  private async *readRendered(root: RenderRoot): AsyncGenerator<{ object: ManifestObject; at: ManifestLocation }> {
    const out = this.spoolPath(root.kind);
    const problem = await renderTo(root, this.render, out);
    if (problem !== undefined) {
      this.problems.push(problem);
      return;
    }
    const name = root.kind === 'kustomize' ? `${root.dir} (kustomize build)` : `${root.dir} (helm template)`;
    yield* this.readFile(out, { name, chart: root.kind === 'helm' ? root.dir : undefined });
  }

  private async *readFile(file: string, rendered?: { name: string; chart: string | undefined }): AsyncGenerator<{ object: ManifestObject; at: ManifestLocation }> {
    const stdin = rendered === undefined && STDIN_NAMES.has(file);
    const name = rendered?.name ?? (file === '-' ? '<stdin>' : file);
    let path = file;
    let spool: number | undefined;
    if (stdin) {
      path = this.spoolPath('stdin');
      spool = openSync(path, 'w', 0o600);
    }
    const source = stdin ? process.stdin : createReadStream(file);
    const copy = async function* (): AsyncGenerator<Buffer> {
      for await (const c of source) {
        const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
        if (spool !== undefined) writeSync(spool, b);
        yield b;
      }
    };
    try {
      for await (const chunk of documentChunks(copy())) {
        let docFile = name;
        let lineOffset = chunk.line - 1;
        if (rendered?.chart !== undefined) {
          // Lines count from the template's first line: the line after Helm's `# Source:` comment is its line 1.
          const src = helmSourceOf(chunk.text, rendered.chart);
          if (src !== undefined) {
            docFile = src.file;
            lineOffset = -src.commentLine;
          }
        }
        const r = parseManifests(chunk.text, docFile, { lineOffset });
        this.problems.push(...r.problems);
        this.warnings.push(...r.warnings);
        for (let index = 0; index < r.objects.length; index++) {
          yield { object: r.objects[index]!, at: { path, file: docFile, start: chunk.start, end: chunk.end, lineOffset, index } };
        }
      }
    } catch (err) {
      this.problems.push({ code: 'KP_ERR_INPUT_PARSE', message: `cannot read: ${(err as Error).message}`, file: name });
    } finally {
      if (spool !== undefined) closeSync(spool);
      if (!stdin) (source as { destroy?: () => void }).destroy?.();
    }
  }

  /** The object at `at`, parsed again from its document's bytes (the last document is kept: findings come in order). */
  reread(at: ManifestLocation): ManifestObject | undefined {
    const key = `${at.path}\0${at.start}`;
    if (this.last?.key !== key) {
      const buf = Buffer.alloc(at.end - at.start);
      const fd = openSync(at.path, 'r');
      try {
        readSync(fd, buf, 0, buf.length, at.start);
      } finally {
        closeSync(fd);
      }
      this.last = { key, objects: parseManifests(buf.toString('utf8'), at.file, { lineOffset: at.lineOffset }).objects };
    }
    return this.last.objects[at.index];
  }

  close(): void {
    this.last = undefined;
    if (this.spoolDir !== undefined) rmSync(this.spoolDir, { recursive: true, force: true });
    this.spoolDir = undefined;
  }
}

/** Every object of the manifests at once (for callers that need them all; `scan` streams through `ManifestReader`). */
export async function readManifests(paths: readonly string[], render: RenderOptions = {}): Promise<{ objects: ManifestObject[]; problems: Problem[]; warnings: Problem[] }> {
  const reader = new ManifestReader(render);
  const objects: ManifestObject[] = [];
  try {
    for await (const { object } of reader.objects(paths)) objects.push(object);
  } finally {
    reader.close();
  }
  return { objects, problems: reader.problems, warnings: reader.warnings };
}
