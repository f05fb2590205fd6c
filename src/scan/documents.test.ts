import t from 'tap';
import { Readable } from 'node:stream';
import { documentChunks, type DocumentChunk } from './documents.js';

async function chunks(text: string | Buffer, pieceSize = 3): Promise<DocumentChunk[]> {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let i = 0; i < buf.length; i += pieceSize) pieces.push(buf.subarray(i, i + pieceSize));
  const out: DocumentChunk[] = [];
  for await (const c of documentChunks(Readable.from(pieces))) out.push(c);
  return out;
}

t.test('documents are cut at --- lines, with their line and byte offsets, whatever the read sizes', async (t) => {
  const text = 'a: 1\n---\nb: 2\nc: |\n  --- not a marker (indented)\n--- \nd: 3\n---\n';
  for (const size of [1, 2, 3, 7, 1000]) {
    const got = await chunks(text, size);
    t.same(got.map((c) => [c.text, c.line]), [['a: 1\n', 1], ['---\nb: 2\nc: |\n  --- not a marker (indented)\n', 2], ['--- \nd: 3\n', 6], ['---\n', 8]], `piece size ${size}`);
    for (const c of got) t.equal(Buffer.from(text).subarray(c.start, c.end).toString(), c.text, 'offsets give the text back');
  }
});

t.test('---x and a last line without newline; comments and directives join the next document; BOM', async (t) => {
  t.same((await chunks('---x: 1\n---\ny: 2')).map((c) => c.text), ['---x: 1\n', '---\ny: 2']);
  t.same((await chunks('# head\n%YAML 1.2\n---\na: 1\n')).map((c) => [c.text, c.line]), [['# head\n%YAML 1.2\n---\na: 1\n', 1]]);
  t.same((await chunks('a: 1\n---\n# only a comment\n')).map((c) => c.text), ['a: 1\n', '---\n# only a comment\n']);
  const bom = await chunks(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a: é\n---\nb: 2\n')]));
  t.same(bom.map((c) => [c.text, c.start]), [['a: é\n', 3], ['---\nb: 2\n', 9]], 'byte offsets count the BOM and multi-byte characters');
  t.same(await chunks(''), []);
});
