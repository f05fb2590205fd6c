/**
 * `main.ts` loads only the module of the command that runs (its COMMANDS table). A command module that
 * registers itself but has no line in that table would vanish from the CLI: every `register*` function
 * exported by src/cli must be loaded there, and each command must work when it is the only one loaded.
 */
import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const CLI = fileURLToPath(new URL('../../src/cli/', import.meta.url));

t.test('every command module is in main.ts\'s table of lazily loaded commands', async (t) => {
  const main = await readFile(join(CLI, 'main.ts'), 'utf8');
  const registered: string[] = [];
  for (const f of (await readdir(CLI)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = await readFile(join(CLI, f), 'utf8');
    for (const m of text.matchAll(/^export function (register\w+)\(program: Command\)/gm)) {
      registered.push(m[1]!);
      const module = f.replace(/\.ts$/, '.js');
      t.ok(main.includes(`(await import('./${module}')).${m[1]}`), `${module} ${m[1]} is loaded by main.ts`);
    }
  }
  t.ok(registered.includes('registerExplainCommand') && registered.includes('registerFixCommand'), 'the scan found the command modules');
  t.ok(registered.length >= 10, `found ${registered.length} command modules`);
});

t.test('commands loaded alone: explain, fix and policies catalogue answer --help', async (t) => {
  const help = await runCli(['--help']);
  t.equal(help.code, 0);
  for (const name of ['scan', 'audit', 'report', 'policies', 'conformance', 'serve', 'controller', 'explain', 'fix']) {
    t.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'), `--help (every module loaded) lists ${name}`);
  }
  for (const args of [['explain', '--help'], ['fix', '--help'], ['policies', 'catalogue', '--help']]) {
    const r = await runCli(args);
    t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    t.match(r.stdout, new RegExp(`^Usage: kube-posture ${args.slice(0, -1).join(' ')}\\b`, 'm'));
  }
});
