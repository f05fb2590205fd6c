import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

/**
 * The 1-based line of a field path in a parsed YAML document: the key of the deepest node that exists
 * along the path (a missing field points at its nearest existing parent).
 *
 * Not used by the tool: this is the yaml package's reading of the same question, kept as the reference the
 * differential test (`read-yaml.test.ts`) checks `YamlDocument.lineOf` against on every fixture. It was
 * the tool's own locator before the manifest reader moved to js-yaml's events.
 */
export function lineOfPath(doc: Document, path: readonly (string | number)[], lc: LineCounter): number {
  let node: unknown = doc.contents;
  let offset = (node as { range?: number[] } | null)?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      offset = (item as { range?: number[] }).range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return lc.linePos(offset).line;
}
