/**
 * JSON written in pieces: the text of `JSON.stringify(value, null, 2)`, byte for byte, made as it is read.
 * A saved scan of 50,000 objects is about 120 MB of text; made whole, it was held twice (the document and
 * its string) on top of the results. Here the large arrays are `LazyList`s: each item is made from its
 * source (an `ObjectResult`, a failing resource) when it is written and dropped after, and the text goes out
 * in chunks of about `chunkChars` characters.
 */

/**
 * An array whose items are made from `source` one by one, when read. `toJSON` gives the array itself, so a
 * value holding LazyLists gives the same text through `JSON.stringify` as through `jsonChunks`.
 */
export class LazyList<T> implements Iterable<T> {
  private constructor(
    private readonly items: () => Iterator<T>,
    private readonly all: () => T[],
  ) {}

  static of<S, T>(source: readonly S[], map: (item: S) => T): LazyList<T> {
    return new LazyList(function* () {
      for (const item of source) yield map(item);
    }, () => source.map((item) => map(item)));
  }

  /** The items `items()` yields, made anew on each read (e.g. one per finding of every object). */
  static from<T>(items: () => Iterable<T>): LazyList<T> {
    return new LazyList(() => items()[Symbol.iterator](), () => [...items()]);
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items();
  }

  toArray(): T[] {
    return this.all();
  }

  toJSON(): T[] {
    return this.all();
  }
}

export function lazyList<S, T>(source: readonly S[], map: (item: S) => T): LazyList<T> {
  return LazyList.of(source, map);
}

/** `T` where any array may be a LazyList of its (whole) items instead. */
export type Streamable<T> = T extends readonly (infer U)[] ? Streamable<U>[] | LazyList<U> : T extends object ? { [K in keyof T]: Streamable<T[K]> } : T;

/** The value with its LazyLists made into arrays (for readers that need the whole document). */
export function materialize<T>(value: Streamable<T>): T {
  return materializeAny(value) as T;
}

function materializeAny(value: unknown): unknown {
  if (value instanceof LazyList) return value.toArray();
  if (Array.isArray(value)) return value.map(materializeAny);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = materializeAny(value[key]);
    return out;
  }
  return value;
}

/**
 * The text of `JSON.stringify(value, null, 2) + end`, in chunks of at least `chunkChars` characters (the
 * last may be shorter). Plain objects and arrays are walked, key by key, in the order `JSON.stringify`
 * uses; a LazyList's items and every other value are written with `JSON.stringify` itself and indented
 * to their depth (its text has no raw line breaks: they are escaped inside strings), so what is
 * omitted, `null` or converted (`toJSON`) is decided by `JSON.stringify` too.
 */
export function* jsonChunks(value: unknown, options: { chunkChars?: number; end?: string } = {}): Generator<string> {
  const chunkChars = options.chunkChars ?? 64 * 1024;
  let batch: string[] = [];
  let size = 0;
  const top = walkable(value) ? pieces(value, '') : [leaf(value, '') ?? ''];
  for (const piece of top) {
    batch.push(piece);
    size += piece.length;
    if (size >= chunkChars) {
      yield batch.join('');
      batch = [];
      size = 0;
    }
  }
  batch.push(options.end ?? '');
  yield batch.join('');
}

function* pieces(value: object, indent: string): Generator<string> {
  const inner = indent + '  ';
  if (value instanceof LazyList) {
    let first = true;
    for (const item of value as LazyList<unknown>) {
      yield (first ? '[\n' : ',\n') + inner + (leaf(item, inner) ?? 'null');
      first = false;
    }
    yield first ? '[]' : '\n' + indent + ']';
  } else if (Array.isArray(value)) {
    let first = true;
    for (const item of value as unknown[]) {
      const sep = (first ? '[\n' : ',\n') + inner;
      first = false;
      if (walkable(item)) {
        yield sep;
        yield* pieces(item, inner);
      } else yield sep + (leaf(item, inner) ?? 'null');
    }
    yield first ? '[]' : '\n' + indent + ']';
  } else {
    const record = value as Record<string, unknown>;
    let first = true;
    for (const key of Object.keys(record)) {
      const v = record[key];
      const head = (first ? '{\n' : ',\n') + inner + JSON.stringify(key) + ': ';
      if (walkable(v)) {
        yield head;
        yield* pieces(v, inner);
      } else {
        const text = leaf(v, inner);
        if (text === undefined) continue; // undefined, functions and symbols: no key, as JSON.stringify
        yield head + text;
      }
      first = false;
    }
    yield first ? '{}' : '\n' + indent + '}';
  }
}

/** A value written whole at `indent`'s depth; undefined when JSON.stringify would leave it out. */
function leaf(value: unknown, indent: string): string | undefined {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  return text === undefined || indent === '' ? text : text.replaceAll('\n', '\n' + indent);
}

function walkable(value: unknown): value is object {
  return value instanceof LazyList || ((Array.isArray(value) || isPlainObject(value)) && typeof (value as { toJSON?: unknown }).toJSON !== 'function');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
