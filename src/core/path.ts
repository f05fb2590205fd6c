export type PathSegment = string | number;
export type FieldPath = readonly PathSegment[];

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats a field path the way kubectl users read them:
 * `spec.containers[1].securityContext.privileged`, `metadata.annotations["a.b/c"]`.
 */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (SIMPLE_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Parses a JSON Pointer (RFC 6901) as ajv reports `instancePath`, into path segments. */
export function fromJsonPointer(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  const parts: PathSegment[] = pointer.slice(1).split('/');
  for (let i = 0; i < parts.length; i++) {
    let seg = parts[i] as string;
    if (seg.includes('~')) seg = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    parts[i] = isArrayIndex(seg) ? Number(seg) : seg;
  }
  return parts;
}

/** `0` or digits without a leading zero: what a pointer segment into an array looks like. */
function isArrayIndex(seg: string): boolean {
  const n = seg.length;
  if (n === 0 || n > 15 || (n > 1 && seg.charCodeAt(0) === 48)) return false;
  for (let i = 0; i < n; i++) {
    const c = seg.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parses a path produced by formatPath back into segments (for locating findings in sources). */
export function parsePath(text: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\./g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}
