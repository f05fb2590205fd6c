import { jsonChunks, type Streamable } from './json-stream.js';
import type { ScanDocument } from './scan-document.js';

/** The saved scan as JSON (`scan -o json`, `audit -o json`), the input of `kube-posture report`. */
export function renderJson(doc: ScanDocument): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/**
 * The same text in pieces, its objects and failing resources made as they are written: a saved scan of
 * 50,000 objects (about 120 MB) is never held whole, as a value or as a string.
 */
export function renderJsonChunks(doc: Streamable<ScanDocument>, chunkChars?: number): Generator<string> {
  return jsonChunks(doc, { end: '\n', ...(chunkChars !== undefined ? { chunkChars } : {}) });
}
