/**
 * A YAML stream cut into documents as it is read, so that a manifest of any size is parsed one document
 * at a time in bounded memory (the whole text is never held). A line that starts with `---` (followed by
 * a space, a tab or the line's end) always starts a document: the YAML spec forbids such a line inside any
 * content, block scalars included. Byte offsets are kept so a document can be read again from its file
 * (for the line of a finding found after the document was dropped).
 */
export interface DocumentChunk {
  /** The document's text (its `---` line included). */
  text: string;
  /** 1-based line of its first line in the stream. */
  line: number;
  /** Byte offsets of the chunk in the stream: [start, end). */
  start: number;
  end: number;
}

const DASH = 0x2d;
const NL = 0x0a;

function isMarker(buf: Buffer, at: number, lineEnd: number): boolean {
  if (buf[at] !== DASH || buf[at + 1] !== DASH || buf[at + 2] !== DASH) return false;
  const next = at + 3 < lineEnd ? buf[at + 3] : NL;
  return next === 0x20 || next === 0x09 || next === 0x0d || next === NL;
}

/** Only comments, directives and blank lines: carried into the next document rather than parsed alone. */
function isPrelude(text: string): boolean {
  return text.split('\n').every((l) => { const t = l.trim(); return t === '' || t.startsWith('#') || t.startsWith('%'); });
}

/**
 * Yields the documents of a YAML stream in order. A chunk larger than `maxDocumentBytes` (a single
 * document of that size: a huge `List`) is an error naming the line it starts at.
 */
export async function* documentChunks(stream: AsyncIterable<unknown>, maxDocumentBytes = 256 * 1024 * 1024): AsyncGenerator<DocumentChunk> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let docStart = 0;
  let docLine = 1;
  let offset = 0; // bytes consumed before `pending`
  let line = 1; // line number of the next line to scan
  let pending: Buffer = Buffer.alloc(0);
  let carried: { text: string; line: number; start: number } | undefined;
  let first = true;

  const flush = (end: number): DocumentChunk | undefined => {
    if (partBytes === 0) return undefined;
    let text = Buffer.concat(parts, partBytes).toString('utf8');
    parts = [];
    partBytes = 0;
    let line0 = docLine;
    let start = docStart;
    if (carried !== undefined) {
      text = carried.text + text;
      line0 = carried.line;
      start = carried.start;
      carried = undefined;
    }
    if (isPrelude(text)) {
      carried = { text, line: line0, start };
      return undefined;
    }
    return { text, line: line0, start, end };
  };

  for await (const c of stream) {
    let buf: Buffer = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    if (first) {
      first = false;
      // A byte order mark is not content.
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf = buf.subarray(3);
        offset = 3;
        docStart = 3;
      }
    }
    pending = pending.length === 0 ? buf : Buffer.concat([pending, buf]);
    let pos = 0;
    for (;;) {
      const nl = pending.indexOf(NL, pos);
      if (nl === -1) break;
      if (isMarker(pending, pos, nl) && (partBytes > 0 || pos > 0)) {
        // The document so far ends before this line.
        const cut = pos;
        if (cut > 0) { parts.push(pending.subarray(0, cut)); partBytes += cut; }
        const chunk = flush(offset + cut);
        if (chunk) yield chunk;
        pending = pending.subarray(cut);
        offset += cut;
        docStart = offset;
        docLine = line;
        pos = nl + 1 - cut;
      } else pos = nl + 1;
      line++;
      if (partBytes + pos > maxDocumentBytes) throw new Error(`the document at line ${docLine} is larger than ${maxDocumentBytes} bytes`);
    }
    // Whole lines scanned so far belong to the current document: keep them, keep the partial line pending.
    if (pos > 0) {
      parts.push(pending.subarray(0, pos));
      partBytes += pos;
      pending = pending.subarray(pos);
      offset += pos;
    }
  }
  if (pending.length > 0) {
    // A last line without a newline: a marker there starts a (nearly) empty document of its own.
    if (isMarker(pending, 0, pending.length) && partBytes > 0) {
      const chunk = flush(offset);
      if (chunk) yield chunk;
      docStart = offset;
      docLine = line;
    }
    parts.push(pending);
    partBytes += pending.length;
    offset += pending.length;
  }
  const last = flush(offset);
  if (last) yield last;
  else if (carried !== undefined) yield { text: carried.text, line: carried.line, start: carried.start, end: offset };
}
