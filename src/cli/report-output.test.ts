import t from 'tap';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from '../results/build.js';
import type { ObjectResult } from '../results/model.js';
import { renderTable, tableChunks } from '../reporters/table.js';
import { writeOutput } from './report-output.js';

const result = (i: number): ObjectResult => ({
  ref: { apiVersion: 'v1', kind: 'Pod', name: `pod-${i}`, namespace: 'shop', uid: `u${i}`, resourceVersion: '1' },
  status: 'evaluated',
  policyExemptions: [],
  passed: [],
  findings: [{ kind: 'violation', policyId: 'pss-privileged', title: 'T', severity: 'high', category: 'pod-security', action: 'deny', message: `container "c${i}" is privileged`, path: 'spec.containers[0].securityContext.privileged', remediation: 'Drop privileged.', controls: [], evidence: ['one', 'two'] }],
  verdict: { allowed: false, outcome: 'denied', mode: 'enforce' },
});
const report = buildReport(Array.from({ length: 2000 }, (_, i) => result(i)), []);

t.test('the table in pieces is the table: every piece ends a line, and together they are renderTable', async (t) => {
  const pieces = [...tableChunks(report, undefined, 4096)];
  t.ok(pieces.length > 10, `${pieces.length} pieces`);
  t.ok(pieces.every((p) => p.endsWith('\n')));
  t.ok(pieces.slice(0, -1).every((p) => p.length >= 4096 && p.length < 4096 + 200), 'pieces are about the size asked for');
  t.equal(pieces.join(''), renderTable(report));
});

t.test('writeOutput writes pieces to a file in order, and a string whole', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kp-output-'));
  const file = join(dir, 'out.txt');
  await writeOutput(tableChunks(report, undefined, 1024), file);
  t.equal(await readFile(file, 'utf8'), renderTable(report));
  await writeOutput('whole\n', file);
  t.equal(await readFile(file, 'utf8'), 'whole\n');
  await t.rejects(writeOutput(['x'], join(dir, 'no', 'such', 'dir', 'out.txt')), /ENOENT/, 'an unwritable file is an error, not a silent loss');
});
