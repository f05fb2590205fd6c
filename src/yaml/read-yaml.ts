import {
  constructFromEvents, CORE_SCHEMA, defineMappingTag, defineScalarTag, defineSequenceTag, EVENT_ALIAS, EVENT_DOCUMENT,
  EVENT_MAPPING, EVENT_POP, EVENT_SCALAR, EVENT_SEQUENCE, getScalarValue, mergeTag, parseEvents, YAMLException, type Event,
} from 'js-yaml';

/**
 * Reading YAML manifests fast, with the line of any field path: js-yaml's event parser (a flat list of
 * events with source offsets) and its constructor, 2-3x faster than the `yaml` package's document model
 * on manifests (measured: 260 against 600-780 ms for the 5,000 objects of bench:scan), which `fix` keeps
 * for editing. The events are kept per document, so the line of a finding's field is found by walking
 * them, without parsing again. Read the way kubectl reads: YAML 1.2 core schema, merge keys resolved,
 * duplicate keys refused.
 */

/** One problem of a text, with its 1-based line counted in the text. */
export interface YamlProblem {
  message: string;
  line?: number;
}

/**
 * Tags this reader does not know are read as their untagged value, with a warning (as the `yaml` package
 * and go-yaml do), rather than refusing the document: a local tag (`!custom`) means nothing to Kubernetes.
 */
const LOCAL_TAG = '!';
const CORE_TAG = 'tag:yaml.org,2002:';
const anyScalar = (prefix: string) => defineScalarTag(prefix, { matchByTagPrefix: true, resolve: (s) => s, identify: () => false });
const anySequence = (prefix: string) => defineSequenceTag(prefix, { matchByTagPrefix: true, create: () => [] as unknown[], addItem: (c, item) => { c.push(item); }, identify: () => false });
const anyMapping = (prefix: string) => defineMappingTag(prefix, {
  matchByTagPrefix: true,
  create: () => ({}) as Record<string, unknown>,
  addPair: (c, k, v) => { Object.defineProperty(c, String(k), { value: v, enumerable: true, writable: true, configurable: true }); return ''; },
  has: (c, k) => Object.hasOwn(c, String(k)),
  keys: (r) => Object.keys(r),
  get: (r, k) => r[String(k)],
  identify: () => false,
});
/**
 * Strings as copies, never as slices of the document's text. V8 gives a substring of 13 or more characters
 * as a view into its parent string, so any such value kept after the document (a name in a result, a
 * label in the cluster view, a message built from it) kept the whole document's text alive: measured, a
 * 50,000-object scan held tens of thousands of document texts. Concatenating and cutting forces a flat
 * copy of the value alone.
 */
const ownStr = defineScalarTag('tag:yaml.org,2002:str', { resolve: (s) => (s.length >= 13 ? (s + ' ').slice(0, -1) : s), identify: (d) => typeof d === 'string' });
const SCHEMA = CORE_SCHEMA.withTags(ownStr, mergeTag, anyScalar(LOCAL_TAG), anySequence(LOCAL_TAG), anyMapping(LOCAL_TAG), anyScalar(CORE_TAG), anySequence(CORE_TAG), anyMapping(CORE_TAG));
/** Tags of the core schema (and the non-specific `!`): no warning. */
const KNOWN_TAG = /^(!|!!(str|int|float|bool|null|map|seq|merge)|!<tag:yaml\.org,2002:(str|int|float|bool|null|map|seq|merge)>)$/;

/**
 * The expanded size (in nodes) a document may reach through aliases. js-yaml shares an aliased node rather
 * than copying it, so memory is safe, but whatever walks the object afterwards (policies, reporters) would
 * walk every expansion: a "billion laughs" document is refused here, as the `yaml` package's
 * `maxAliasCount` did. Ordinary anchors (a shared securityContext) expand to a few hundred nodes.
 */
const MAX_EXPANDED_NODES = 200_000;

/** Collections deeper than this are refused (js-yaml's own default is 100; CRDs' schemas go deep). */
const MAX_DEPTH = 400;

/** Line starts of a text, built when a line is first asked for. */
class Lines {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}
  /** 1-based line of a 0-based offset. */
  lineAt(offset: number): number {
    if (this.starts === undefined) {
      const s = [0];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) s.push(i + 1);
      this.starts = s;
    }
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** Where a node starts in the source: its value, after any anchor or tag (as the `yaml` package's ranges). */
function startOf(e: Event): number {
  switch (e.type) {
    case EVENT_SCALAR: return e.valueStart;
    case EVENT_MAPPING:
    case EVENT_SEQUENCE: return e.start;
    case EVENT_ALIAS: return e.anchorStart - 1;
    default: return 0;
  }
}

/** One YAML document: its value and the line of any field path in it. */
export class YamlDocument {
  private after: Int32Array | undefined;

  constructor(
    readonly value: unknown,
    private readonly events: Event[],
    /** Index of the document's content node in `events` (-1 for an empty document). */
    private readonly root: number,
    private readonly source: string,
    private readonly lines: Lines,
  ) {}

  /** Index of the event after the node at `i` (its subtree skipped). */
  private next(i: number): number {
    if (this.after === undefined) {
      // One pass over the events: for each collection, where its POP is.
      const after = new Int32Array(this.events.length);
      const open: number[] = [];
      this.events.forEach((e, k) => {
        if (e.type === EVENT_MAPPING || e.type === EVENT_SEQUENCE || e.type === EVENT_DOCUMENT) open.push(k);
        else if (e.type === EVENT_POP) { const o = open.pop(); if (o !== undefined) after[o] = k + 1; }
        else after[k] = k + 1;
      });
      this.after = after;
    }
    return this.after[i]!;
  }

  /**
   * The 1-based line of a field path: the key of the deepest node that exists along it (a missing field
   * points at its nearest existing parent; a field that came through a merge key at the mapping).
   */
  lineOf(path: readonly (string | number)[]): number {
    if (this.root < 0) return this.lines.lineAt(0);
    let node = this.root;
    let offset = startOf(this.events[node]!);
    for (const seg of path) {
      const e = this.events[node]!;
      if (e.type === EVENT_MAPPING) {
        let k = node + 1;
        let found = -1;
        while (this.events[k]!.type !== EVENT_POP) {
          const key = this.events[k]!;
          const value = this.next(k);
          if (key.type === EVENT_SCALAR && getScalarValue(this.source, key) === String(seg)) {
            offset = startOf(key);
            found = value;
            break;
          }
          k = this.next(value);
        }
        if (found < 0) break;
        node = found;
      } else if (e.type === EVENT_SEQUENCE && typeof seg === 'number') {
        let k = node + 1;
        for (let n = 0; n < seg && this.events[k]!.type !== EVENT_POP; n++) k = this.next(k);
        if (this.events[k]!.type === EVENT_POP) break;
        offset = startOf(this.events[k]!);
        node = k;
      } else break;
    }
    return this.lines.lineAt(offset);
  }
}

/** Where the first mapping key that is itself a mapping or a sequence starts (`? [x, y]: z`), if any. */
function firstComplexKey(events: readonly Event[]): number | undefined {
  // Per open collection: whether it is a mapping, and how many nodes it holds so far (even: a key comes next).
  const stack: { mapping: boolean; n: number }[] = [];
  for (const e of events) {
    if (e.type === EVENT_POP) { stack.pop(); continue; }
    if (e.type === EVENT_DOCUMENT) { stack.push({ mapping: false, n: 0 }); continue; }
    const top = stack[stack.length - 1];
    if (top !== undefined) {
      if (top.mapping && top.n % 2 === 0 && (e.type === EVENT_MAPPING || e.type === EVENT_SEQUENCE)) return startOf(e);
      top.n++;
    }
    if (e.type === EVENT_MAPPING || e.type === EVENT_SEQUENCE) stack.push({ mapping: e.type === EVENT_MAPPING, n: 0 });
  }
  return undefined;
}

/** What a YAMLException says, with its line (js-yaml counts lines from 0). */
function problemOf(err: unknown, lines: Lines, events: readonly Event[] | undefined): YamlProblem {
  if (err instanceof YAMLException) {
    if (err.reason.includes('complex keys') && events !== undefined) {
      // kubectl refuses such a key too ("invalid map key"); js-yaml's mark does not point at it.
      const at = firstComplexKey(events);
      return { message: 'a mapping key that is a sequence or a mapping (kubectl rejects it: Kubernetes objects have string keys)', ...(at !== undefined ? { line: lines.lineAt(at) } : {}) };
    }
    const reason = err.reason === 'duplicated mapping key' ? 'duplicate mapping key (kubectl rejects it; with two values it is unclear which one is meant)' : err.reason;
    return { message: reason, ...(err.mark ? { line: err.mark.position >= 0 ? lines.lineAt(err.mark.position) : err.mark.line + 1 } : {}) };
  }
  return { message: `cannot read the YAML: ${(err as Error).message}` };
}

/** Nodes a document expands to through its aliases (see MAX_EXPANDED_NODES). */
function expandedNodes(events: Event[], source: string): number {
  const anchored = new Map<string, number>();
  // Per open collection: its anchor (if any) and the nodes counted in it so far.
  const stack: { anchor: string | undefined; n: number }[] = [{ anchor: undefined, n: 0 }];
  const add = (n: number) => { stack[stack.length - 1]!.n += n; };
  for (const e of events) {
    if (e.type === EVENT_MAPPING || e.type === EVENT_SEQUENCE) stack.push({ anchor: e.anchorStart >= 0 ? source.slice(e.anchorStart, e.anchorEnd) : undefined, n: 1 });
    else if (e.type === EVENT_SCALAR) {
      add(1);
      if (e.anchorStart >= 0) anchored.set(source.slice(e.anchorStart, e.anchorEnd), 1);
    } else if (e.type === EVENT_ALIAS) add(anchored.get(source.slice(e.anchorStart, e.anchorEnd)) ?? 1);
    else if (e.type === EVENT_POP && stack.length > 1) {
      const done = stack.pop()!;
      if (done.anchor !== undefined) anchored.set(done.anchor, done.n);
      add(done.n);
    }
    if (stack[0]!.n > MAX_EXPANDED_NODES) return stack[0]!.n;
  }
  return stack[0]!.n;
}

/**
 * The documents of a YAML text. Never throws: a text that cannot be read is one problem with its line
 * (and no documents); tags this reader does not know are warnings, their values read as untagged.
 */
export function readYaml(text: string): { documents: YamlDocument[]; problems: YamlProblem[]; warnings: YamlProblem[] } {
  const lines = new Lines(text);
  const warnings: YamlProblem[] = [];
  let events: Event[] | undefined;
  let values: unknown[];
  try {
    events = parseEvents(text, { maxDepth: MAX_DEPTH });
    const expanded = events.some((e) => e.type === EVENT_ALIAS) ? expandedNodes(events, text) : 0;
    if (expanded > MAX_EXPANDED_NODES) return { documents: [], problems: [{ message: `too many aliases: the document expands to more than ${MAX_EXPANDED_NODES} nodes (an alias bomb?)`, line: 1 }], warnings };
    values = constructFromEvents(events, { source: text, schema: SCHEMA });
  } catch (err) {
    return { documents: [], problems: [problemOf(err, lines, events)], warnings };
  }
  const documents: YamlDocument[] = [];
  const all = events;
  all.forEach((e, i) => {
    if (e.type === EVENT_DOCUMENT) {
      const root = all[i + 1]?.type === EVENT_POP ? -1 : i + 1;
      documents.push(new YamlDocument(values[documents.length] ?? null, all, root, text, lines));
    } else if ((e.type === EVENT_SCALAR || e.type === EVENT_MAPPING || e.type === EVENT_SEQUENCE) && e.tagStart >= 0) {
      const tag = text.slice(e.tagStart, e.tagEnd);
      if (!KNOWN_TAG.test(tag)) warnings.push({ message: `Unresolved tag: ${tag}`, line: lines.lineAt(e.tagStart) });
    }
  });
  return { documents, problems: [], warnings };
}

/**
 * A text's problems and warnings as `FILE:LINE: message` lines, for readers whose input is not a manifest
 * (policy fixtures, conformance fixtures), where an unresolved tag is as wrong as a syntax error.
 */
export function yamlProblems(file: string, read: { problems: YamlProblem[]; warnings: YamlProblem[] }): string[] {
  return [...read.problems, ...read.warnings].map((p) => `${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`);
}

/**
 * A file that must hold one YAML document (a configuration file, a schema policy): its document, or the
 * problems that stop it being read. Unknown tags count as problems here, since such a file has no
 * consumer that could give them a meaning; `what` names the file's kind in the "holds one document" message.
 */
export function readSingleYaml(text: string, what: string): { document: YamlDocument | undefined; problems: YamlProblem[] } {
  const read = readYaml(text);
  const problems = [...read.problems, ...read.warnings];
  if (read.documents.length > 1) problems.push({ message: `${what} holds one YAML document; this one holds ${read.documents.length}` });
  return { document: problems.length === 0 ? read.documents[0] : undefined, problems };
}
