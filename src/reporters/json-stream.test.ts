import t from 'tap';
import { jsonChunks, LazyList, lazyList, materialize } from './json-stream.js';

const joined = (value: unknown, chunkChars?: number) => [...jsonChunks(value, chunkChars !== undefined ? { chunkChars } : {})].join('');
const pretty = (value: unknown) => JSON.stringify(value, null, 2);

t.test('plain values: the text of JSON.stringify(value, null, 2), byte for byte', async (t) => {
  const nullProto = Object.assign(Object.create(null) as object, { b: 1, a: [2] });
  const cases: [string, unknown][] = [
    ['empty object', {}],
    ['empty array', []],
    ['scalars at the top', 'a\nb'],
    ['null', null],
    ['nested, with empty members', { a: {}, b: [], c: [[], {}, [{}]], d: { e: { f: [1, 'x', null, true] } } }],
    ['strings that need escaping', { 'k"\n': 'line\nbreak\ttab "quoted" \\ \u2028 \u0007 ü 😀', '\n': ['\r\n'] }],
    ['integer-like keys first, as JSON.stringify orders them', { b: 1, 2: 'two', a: 3, 1: 'one' }],
    ['undefined, functions and symbols: no key in an object, null in an array', { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('s')], e: 1 }],
    ['an object whose every key is left out', { a: undefined, b: { c: undefined } }],
    ['numbers that JSON has no word for', { nan: NaN, inf: -Infinity, negZero: -0, big: 1e21, small: 5e-7 }],
    ['toJSON (Date) and objects with their own toJSON', { at: new Date('2026-12-06T00:00:00Z'), own: { toJSON: () => ({ x: [1, 2] }) }, gone: { toJSON: () => undefined } }],
    ['a null-prototype object', { o: nullProto }],
    ['an array with holes', { holes: [1, , 3] }],
    ['class instances are written as JSON.stringify writes them', { map: new Map([[1, 2]]), err: new Error('x'), url: new URL('https://example.com/a') }],
  ];
  for (const [name, value] of cases) t.equal(joined(value), pretty(value), name);
});

t.test('LazyLists: written as the arrays they stand for, items made one at a time', async (t) => {
  const source = [1, 2, 3];
  const value = {
    empty: lazyList([], (x: number) => x),
    items: lazyList(source, (n) => ({ n, twice: [n, n], skip: undefined })),
    // Items are written whole with JSON.stringify: a LazyList inside one is written through its toJSON.
    nested: lazyList(source, (n) => ({ inner: lazyList([n, n + 1], (m) => ({ m })) })),
    scalars: lazyList(['a', 'b\nc'], (s) => s),
    undefinedItem: lazyList([1], () => undefined),
    deep: [{ list: lazyList(source, (n) => n * 10) }],
    // LazyList.from: any number of items per source item (SARIF: one result per finding of each object).
    flat: LazyList.from(function* () {
      for (const n of source) for (let i = 0; i < n; i++) yield { n, i };
    }),
  };
  const expected = pretty(materialize(value));
  t.equal(joined(value), expected);
  t.equal(pretty(value), expected, 'JSON.stringify of the value with LazyLists gives the same text (toJSON)');
  t.same(materialize<unknown>(value), JSON.parse(expected) as unknown, 'materialize makes plain arrays');
  t.ok(Array.isArray((materialize<unknown>(value) as { items: unknown }).items));
  t.equal((materialize<unknown>(value) as { flat: unknown[] }).flat.length, 6);
  t.equal(joined(value), expected, 'read again: the items are made anew');
});

t.test('chunks are at least chunkChars long (but the last) and join to the same text', async (t) => {
  const value = { objects: lazyList(Array.from({ length: 500 }, (_, i) => i), (i) => ({ i, name: `object-${i}`, findings: [{ path: 'spec', n: i }] })), end: { ok: true } };
  const expected = pretty(value) + '\n';
  for (const chunkChars of [1, 100, 4096, 1 << 20]) {
    const chunks = [...jsonChunks(value, { chunkChars, end: '\n' })];
    t.equal(chunks.join(''), expected, `chunkChars ${chunkChars}`);
    t.ok(chunks.slice(0, -1).every((c) => c.length >= chunkChars), `every chunk but the last has ${chunkChars} characters or more`);
    if (chunkChars >= expected.length) t.equal(chunks.length, 1, 'a small document is one chunk');
  }
});

t.test('items are made as they are written, not before', async (t) => {
  let made = 0;
  const value = { objects: lazyList(Array.from({ length: 10_000 }, (_, i) => i), (i) => (made++, { i, text: 'x'.repeat(100) })) };
  const chunks = jsonChunks(value, { chunkChars: 4096 });
  const first = chunks.next();
  t.equal(first.done, false);
  t.ok(made > 0 && made < 100, `after the first chunk only its items were made (${made} of 10,000)`);
  let rest = 0;
  for (const c of chunks) rest += c.length;
  t.equal(made, 10_000);
  t.equal((first.value as string).length + rest, pretty(value).length);
});

t.test('deterministic random values: the same text as JSON.stringify', async (t) => {
  // mulberry32: the same values on every run.
  let seed = 42;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let x = seed;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const leaves = [() => null, () => undefined, () => true, () => Math.floor(rnd() * 1000) - 500, () => rnd(), () => `s${Math.floor(rnd() * 9)}\n"é`, () => NaN];
  const gen = (depth: number): unknown => {
    const r = rnd();
    if (depth > 3 || r < 0.4) return leaves[Math.floor(rnd() * leaves.length)]!();
    const n = Math.floor(rnd() * 4);
    const items = Array.from({ length: n }, () => gen(depth + 1));
    if (r < 0.6) return items;
    if (r < 0.75) return lazyList(items, (x) => x);
    return Object.fromEntries(items.map((v, i) => [rnd() < 0.2 ? String(i) : `k${i}${Math.floor(rnd() * 3)}`, v]));
  };
  let mismatches = 0;
  for (let i = 0; i < 500; i++) {
    const value = gen(0);
    const stream = joined(value, 16);
    const whole = JSON.stringify(value, null, 2) ?? '';
    if (stream !== whole) mismatches++;
  }
  t.equal(mismatches, 0, '500 random values');
});
