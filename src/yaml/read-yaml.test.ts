/**
 * The fast reader (js-yaml events) against the `yaml` package's document model it replaced for scanning:
 * the same values and the same line for every field path of every manifest fixture in the repository,
 * plus what kubectl-like reading means (merge keys, duplicate keys, tags, aliases, empty documents).
 */
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { readSingleYaml, readYaml } from './read-yaml.js';
import { lineOfPath } from './reference-locate.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/i.test(name)) out.push(p);
  }
  return out;
}

/** Every path into a value: each mapping key and sequence index, and one that does not exist under each mapping. */
function paths(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
    out.push([...at, 'no-such-field']);
  }
  return out;
}

/**
 * Fixtures the yaml package parsed without an error that this reader refuses, on purpose: kubectl refuses a
 * complex key too, and the yaml package refused the alias bomb only when converting to JS.
 */
const REFUSED = new Map<string, RegExp>([
  ['test/fixtures/scan-input/complex-key.yaml', /^a mapping key that is a sequence or a mapping/],
  ['test/fixtures/scan-input/alias-bomb.yaml', /^too many aliases/],
]);

t.test('same values and the same line for every path as the yaml package, on every manifest fixture', async (t) => {
  const files = [...yamlFiles(join(ROOT, 'policies')), ...yamlFiles(join(ROOT, 'test/fixtures'))];
  t.ok(files.length > 300, `${files.length} files`);
  let compared = 0;
  let documents = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const lc = new LineCounter();
    const old = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, merge: true, logLevel: 'silent' });
    const oldDocs = Array.isArray(old) ? old : [old];
    // Only texts the old reader read without an error or a warning: those are where the two must agree.
    if (oldDocs.some((d) => d.errors.length > 0 || d.warnings.length > 0)) continue;
    const read = readYaml(text);
    const deliberate = REFUSED.get(file.slice(ROOT.length));
    if (deliberate !== undefined) {
      t.match(read.problems, [{ message: deliberate }], `${file}: refused on purpose`);
      continue;
    }
    if (read.problems.length > 0) {
      t.fail(`${file}: ${read.problems[0]!.message}`);
      continue;
    }
    if (read.documents.length !== oldDocs.length) {
      t.fail(`${file}: ${read.documents.length} documents, the yaml package ${oldDocs.length}`);
      continue;
    }
    for (let i = 0; i < oldDocs.length; i++) {
      const value = oldDocs[i]!.toJS({ maxAliasCount: 100 }) as unknown;
      const doc = read.documents[i]!;
      if (JSON.stringify(doc.value) !== JSON.stringify(value ?? null)) t.fail(`${file} document ${i}: values differ`);
      documents++;
      for (const p of paths(value)) {
        const want = lineOfPath(oldDocs[i]!, p, lc);
        const got = doc.lineOf(p);
        if (got !== want) t.fail(`${file} document ${i} ${JSON.stringify(p)}: line ${got}, the yaml package ${want}`);
        compared++;
      }
    }
  }
  t.ok(compared > 10_000, `${compared} paths compared in ${documents} documents`);
});

t.test('read as kubectl reads: merge keys, duplicate keys, YAML 1.2 core scalars', async (t) => {
  const merged = readYaml('base: &b {privileged: true, runAsUser: 0}\nc:\n  <<: *b\n  runAsUser: 1000\n');
  t.same(merged.documents[0]?.value, { base: { privileged: true, runAsUser: 0 }, c: { privileged: true, runAsUser: 1000 } });
  t.equal(merged.documents[0]?.lineOf(['c', 'privileged']), 2, 'a merged field points at the mapping that merges it');
  t.equal(merged.documents[0]?.lineOf(['c', 'runAsUser']), 4);
  const dup = readYaml('a: 1\nb:\n  c: 1\n  c: 2\n');
  t.same(dup.documents, []);
  t.match(dup.problems, [{ message: /^duplicate mapping key/, line: 4 }]);
  t.same(readYaml('a: 2021-01-01\nb: yes\nc: 0o14\nd: 014\ne: ~\n').documents[0]?.value, { a: '2021-01-01', b: 'yes', c: 12, d: 14, e: null });
});

t.test('tags it does not know are warnings with their line, the value read untagged', async (t) => {
  const r = readYaml('a: !custom x\nb: !!binary aGk=\nc: !!str 5\nd: !local {x: 1}\ne: !seq [1]\n');
  t.same(r.documents[0]?.value, { a: 'x', b: 'aGk=', c: '5', d: { x: 1 }, e: [1] });
  t.same(r.warnings, [
    { message: 'Unresolved tag: !custom', line: 1 },
    { message: 'Unresolved tag: !!binary', line: 2 },
    { message: 'Unresolved tag: !local', line: 4 },
    { message: 'Unresolved tag: !seq', line: 5 },
  ]);
});

t.test('aliases: ordinary anchors are read; a document that expands past the bound is refused', async (t) => {
  const ok = readYaml('x: &sc {runAsNonRoot: true}\ny: *sc\nz: *sc\n');
  t.same(ok.problems, []);
  t.same(ok.documents[0]?.value, { x: { runAsNonRoot: true }, y: { runAsNonRoot: true }, z: { runAsNonRoot: true } });
  t.equal(ok.documents[0]?.lineOf(['z', 'runAsNonRoot']), 3, 'a field under an alias points at the alias');
  let bomb = 'a: &a [x,x,x,x,x,x,x,x,x,x]\n';
  for (let i = 0; i < 6; i++) bomb += `${'bcdefg'[i]}: &${'bcdefg'[i]} [${Array(10).fill(`*${'abcdef'[i]}`).join(',')}]\n`;
  const r = readYaml(bomb);
  t.same(r.documents, []);
  t.match(r.problems, [{ message: /^too many aliases/ }]);
});

t.test('documents: empty ones are null, lines count in the whole text, problems never throw', async (t) => {
  const r = readYaml('---\na: 1\n---\n---\n# c\nb:\n  - x\n  - y: [1, 2]\n');
  t.same(r.documents.map((d) => d.value), [{ a: 1 }, null, { b: ['x', { y: [1, 2] }] }]);
  t.equal(r.documents[2]?.lineOf(['b', 1, 'y', 1]), 8);
  t.equal(r.documents[2]?.lineOf(['b', 5]), 6, 'a missing index points at its sequence');
  t.same(readYaml('').documents, []);
  t.match(readYaml('a: [1, 2\nb: 3\n').problems, [{ line: 2 }]);
  t.match(readYaml('? [x, y]\n: z\n').problems, [{ message: /a mapping key that is a sequence or a mapping/, line: 1 }]);
});

t.test('readSingleYaml: one document, or problems (a second document and unknown tags included)', async (t) => {
  const one = readSingleYaml('a: 1\nb: [x]\n', 'a configuration file');
  t.same(one.problems, []);
  t.same(one.document?.value, { a: 1, b: ['x'] });
  t.equal(one.document?.lineOf(['b', 0]), 2);
  const two = readSingleYaml('a: 1\n---\nb: 2\n', 'a configuration file');
  t.equal(two.document, undefined);
  t.match(two.problems, [{ message: 'a configuration file holds one YAML document; this one holds 2' }]);
  const tagged = readSingleYaml('a: !vault secret\n', 'a policy file');
  t.equal(tagged.document, undefined);
  t.match(tagged.problems, [{ message: 'Unresolved tag: !vault', line: 1 }]);
  const broken = readSingleYaml('a: [1\n', 'a policy file');
  t.equal(broken.document, undefined);
  t.equal(broken.problems.length, 1);
  t.same(readSingleYaml('', 'a policy file'), { document: undefined, problems: [] });
});
