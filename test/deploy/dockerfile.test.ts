/**
 * The image cannot be built here (no container engine), so its properties are checked on the
 * Dockerfile itself: multi-stage on one supported Node LTS line (the one `npm run test:lts` tests on,
 * inside package.json's engines), production dependencies only at run time, numeric non-root user,
 * exec-form ENTRYPOINT running node directly, nothing that needs a shell at run time, no HEALTHCHECK.
 */
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/manifests/helm.js';
import { enginesNode, NODE_LTS_END_OF_LIFE, pinnedLtsVersion, satisfies } from '../helpers/node-runtime.js';

interface Instruction { keyword: string; args: string; line: number }
interface Stage { name: string | undefined; from: string; instructions: Instruction[] }

/** Dockerfile instructions with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (buffer === '' && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (buffer !== '' && line.trim().startsWith('#')) return;
    if (buffer === '') start = i + 1;
    buffer += (buffer ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (!line.endsWith('\\')) {
      const m = /^(\S+)\s*(.*)$/.exec(buffer)!;
      instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: start });
      buffer = '';
    }
  });
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      const [k, v] = ins.args.split('=');
      args.set(k!, v ?? '');
    } else if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!;
      const from = m[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => args.get(a ?? b) ?? '');
      stages.push({ name: m[2], from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return { args, stages };
}

const text = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const { stages } = parseDockerfile(text);
const runtime = stages.at(-1)!;
const of = (s: Stage, k: string) => s.instructions.filter((i) => i.keyword === k);
const stageNamed = (name: string | undefined) => stages.find((s) => s.name === name);

/** The Node major line of a base image: node:24-trixie-slim, gcr.io/distroless/nodejs24-debian13:nonroot. */
export function nodeMajorOf(image: string): number | undefined {
  const m = /(?:^|\/)node(?:js)?:?(\d+)(?![\d.])/.exec(image);
  return m ? Number(m[1]) : undefined;
}

/** The Debian release of a base image, by number or code name; undefined for others (alpine). */
export function debianOf(image: string): number | undefined {
  const names: Record<string, number> = { bullseye: 11, bookworm: 12, trixie: 13, forky: 14 };
  const m = /debian(\d+)|\b(bullseye|bookworm|trixie|forky)\b/.exec(image);
  return m ? (m[1] ? Number(m[1]) : names[m[2]!]) : undefined;
}

t.test('multi-stage, one supported Node LTS line everywhere: the one test:lts runs on', async (t) => {
  t.ok(stages.length >= 2, `${stages.length} stages`);
  const majors = new Set(stages.map((s) => nodeMajorOf(s.from)));
  t.same([...majors], [nodeMajorOf(runtime.from)], `every stage on the same Node line (${stages.map((s) => s.from).join(', ')})`);
  const major = nodeMajorOf(runtime.from);
  t.ok(major !== undefined, `the runtime names its Node line (${runtime.from})`);
  if (major === undefined) return;
  t.match(runtime.from, new RegExp(`distroless/nodejs${major}-debian\\d+|node:${major}-alpine`), 'a small runtime base');

  const eol = NODE_LTS_END_OF_LIFE[major];
  t.ok(eol, `Node ${major} is an LTS line (${Object.keys(NODE_LTS_END_OF_LIFE).join(', ')})`);
  // On the date this fails the image ships an unsupported Node: move the Dockerfile and
  // scripts/node-lts.sh to the next LTS line (docs/adr/0005-node-runtime.md).
  if (eol) t.ok(Date.now() < Date.parse(`${eol}T23:59:59Z`), `Node ${major} is before its end of life (${eol})`);

  const pinned = await pinnedLtsVersion();
  t.equal(Number(pinned.split('.')[0]), major, `npm run test:lts runs the tests on the image's line (scripts/node-lts.sh pins ${pinned})`);
  const engines = await enginesNode();
  t.ok(satisfies(pinned, engines), `package.json engines (${engines}) admit Node ${pinned}`);

  const debian = new Set(stages.map((s) => debianOf(s.from)));
  t.equal(debian.size, 1, `build stages and runtime on one Debian release (their node_modules reach the runtime): ${[...debian].join(', ')}`);
});

t.test('runtime stage: production dependencies only', async (t) => {
  const copies = of(runtime, 'COPY');
  const nodeModules = copies.filter((c) => /node_modules/.test(c.args));
  t.equal(nodeModules.length, 1, 'node_modules copied once');
  const fromStage = /--from=(\S+)/.exec(nodeModules[0]?.args ?? '')?.[1];
  const deps = stageNamed(fromStage);
  t.ok(deps, `node_modules come from stage ${fromStage}`);
  const installs = of(deps!, 'RUN').filter((r) => /\bnpm (ci|install)\b/.test(r.args));
  t.ok(installs.length > 0 && installs.every((r) => /--omit=dev/.test(r.args)), 'that stage installs with npm ci --omit=dev');
  const build = stages.find((s) => of(s, 'RUN').some((r) => /npm run build/.test(r.args)));
  t.ok(build, 'a build stage runs npm run build');
  t.ok(of(build!, 'RUN').some((r) => /\bnpm ci\b/.test(r.args) && !/--omit=dev/.test(r.args)), 'with dev dependencies (TypeScript)');
  t.notOk(copies.some((c) => c.args.includes(`--from=${build!.name}`) && /node_modules/.test(c.args)), 'the dev node_modules never reach the runtime');
  t.ok(copies.some((c) => c.args.includes(`--from=${build!.name}`) && /\/app\/dist\b/.test(c.args)), 'the compiled dist does');
  t.same(of(runtime, 'RUN'), [], 'no RUN in the runtime stage: it needs no shell');
});

t.test('runtime stage: numeric non-root user, exec-form node entrypoint, no HEALTHCHECK', async (t) => {
  const users = of(runtime, 'USER');
  t.equal(users.length, 1, 'one USER');
  const [uid, gid] = (users[0]?.args ?? '').split(':');
  t.match(uid, /^[0-9]+$/, 'numeric uid (runAsNonRoot can verify it)');
  t.not(Number(uid), 0, 'not root');
  if (gid !== undefined) t.match(gid, /^[0-9]+$/, 'numeric gid');
  const entry = of(runtime, 'ENTRYPOINT');
  t.equal(entry.length, 1, 'one ENTRYPOINT');
  const argv: unknown = JSON.parse(entry[0]!.args);
  t.ok(Array.isArray(argv), 'exec form (JSON array): no shell wraps the process');
  t.match((argv as string[])[0], /(^|\/)node$/, 'runs node directly');
  t.equal((argv as string[])[1], 'dist/bundle/main.js', 'the bundled CLI (npm run build)');
  const cmd = of(runtime, 'CMD');
  if (cmd.length > 0) t.ok(Array.isArray(JSON.parse(cmd[0]!.args)), 'CMD in exec form too');
  t.same(stages.flatMap((s) => of(s, 'HEALTHCHECK')), [], 'no HEALTHCHECK (Kubernetes probes do that)');
  t.notOk(runtime.instructions.some((i) => i.keyword === 'VOLUME'), 'no VOLUME: nothing is written at run time');
});

t.test('.dockerignore admits only what the Dockerfile copies', async (t) => {
  const ignore = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  t.equal(ignore[0], '**', 'deny by default');
  const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
  for (const bad of ['node_modules', '.git', '.tools', 'dist', 'test', 'charts']) t.notOk(allowed.some((a) => a === bad || a.startsWith(`${bad}/`)), `${bad} is not sent to the build`);
  for (const s of stages) {
    for (const c of of(s, 'COPY').filter((c) => !c.args.includes('--from='))) {
      const sources = c.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
      for (const src of sources) t.ok(allowed.some((a) => a === src || a === `${src}/**` || a.startsWith(`${src.replace(/\/$/, '')}/`)), `${src} (COPY at line ${c.line}) is admitted`);
    }
  }
});
