/**
 * Where the Pod Security Admission golden fixtures come from, in this order:
 *
 *  1. a directory given explicitly (`kube-posture conformance <dir>`);
 *  2. `../shared/conformance/psa` beside the project, when it is there;
 *  3. the `k8s.io/pod-security-admission` Go module, whose test data ships in the module
 *     (`test/testdata/<level>/<version>/<pass|fail>/*.yaml`, the layout psa.ts reads). `go mod download`
 *     fetches it through the Go module proxy into the module cache once, checked against go.sum.
 *
 * The module version is pinned in one place: the `require` of src/conformance/differential/go.mod, so the
 * golden fixtures and the reference evaluator of the differential check are always the same release.
 * Nothing here skips: when no source can be had, the error says what is missing and how to get it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PSA_MODULE = 'k8s.io/pod-security-admission';
/** The Go module whose go.mod pins PSA_MODULE (relative to the project root). */
export const PSA_PIN_MODULE_DIR = join('src', 'conformance', 'differential');
/** The fixtures beside the project, relative to the project root. */
export const SHARED_PSA_FIXTURES = join('..', 'shared', 'conformance', 'psa');
/** Where the fixtures are inside the module. */
const MODULE_TESTDATA = join('test', 'testdata');

export interface PsaFixtureSource {
  kind: 'argument' | 'shared' | 'module';
  /** The fixture root: `<root>/<level>/<version>/<pass|fail>/*.yaml`. */
  root: string;
  /** One line for people: where the fixtures came from. */
  label: string;
  /** The module version, for kind `module`. */
  version?: string;
}

export interface ResolveOptions {
  /** The project root (default: found from this file, the directory holding src/conformance/differential/go.mod). */
  projectRoot?: string;
  /** The go command (default `go` on PATH). */
  go?: string;
  /** Leave out ../shared even when present (tests of the module source). */
  noShared?: boolean;
}

/** The project root: the nearest directory above this file holding the pinning go.mod (src/ or dist/src/). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, PSA_PIN_MODULE_DIR, 'go.mod'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find ${join(PSA_PIN_MODULE_DIR, 'go.mod')} above ${fileURLToPath(import.meta.url)}: run conformance from a checkout, or pass a fixture directory`);
    dir = up;
  }
}

/** The version of k8s.io/pod-security-admission required by src/conformance/differential/go.mod. */
export async function pinnedPsaVersion(root: string = projectRoot()): Promise<string> {
  const file = join(root, PSA_PIN_MODULE_DIR, 'go.mod');
  const text = await readFile(file, 'utf8');
  const version = /^\s*(?:require\s+)?k8s\.io\/pod-security-admission\s+(v\S+)/m.exec(text)?.[1];
  if (!version) throw new Error(`${file} does not require ${PSA_MODULE}`);
  return version;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/**
 * `go mod download` of the pinned module (a no-op once it is in the module cache) in the pinning module,
 * so that go.sum checks what was downloaded. Returns the fixture root inside the module.
 */
export async function psaModuleFixtures(options: ResolveOptions = {}): Promise<PsaFixtureSource> {
  const root = options.projectRoot ?? projectRoot();
  const version = await pinnedPsaVersion(root);
  const go = options.go ?? 'go';
  const where = `${PSA_MODULE}@${version} (pinned in ${join(PSA_PIN_MODULE_DIR, 'go.mod')})`;
  let stdout: string;
  try {
    ({ stdout } = await run(go, ['mod', 'download', '-json', `${PSA_MODULE}@${version}`], { cwd: join(root, PSA_PIN_MODULE_DIR), timeout: 600_000, maxBuffer: 1 << 20 }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(`the fixtures come from the Go module ${where} and the go command (${go}) was not found: install Go (it fetches the module through the module proxy), or pass a fixture directory`);
    }
    const detail = [e.stdout && /"Error":\s*"([^"]*)"/.exec(e.stdout)?.[1], e.stderr?.trim(), e.message].find((d) => d) ?? 'unknown error';
    throw new Error(`go mod download ${PSA_MODULE}@${version} failed: ${detail}`);
  }
  const info = JSON.parse(stdout) as { Dir?: string; Version?: string; Error?: string };
  if (info.Error || !info.Dir) throw new Error(`go mod download ${PSA_MODULE}@${version} failed: ${info.Error ?? 'no module directory in its answer'}`);
  const fixtures = join(info.Dir, MODULE_TESTDATA);
  for (const level of ['baseline', 'restricted']) {
    if (!(await isDir(join(fixtures, level)))) throw new Error(`${PSA_MODULE}@${version} has no ${join(MODULE_TESTDATA, level)}: the module's layout changed (looked in ${info.Dir})`);
  }
  return { kind: 'module', root: fixtures, version, label: `Go module ${PSA_MODULE}@${version}, ${MODULE_TESTDATA} (${fixtures})` };
}

/** The fixtures to run: the argument, else ../shared/conformance/psa when present, else the Go module. */
export async function resolvePsaFixtures(dir?: string, options: ResolveOptions = {}): Promise<PsaFixtureSource> {
  if (dir !== undefined) {
    const root = resolve(dir);
    if (!(await isDir(root))) throw new Error(`fixture directory ${dir} not found`);
    return { kind: 'argument', root, label: `directory ${root}` };
  }
  const projectDir = options.projectRoot ?? projectRoot();
  const shared = join(projectDir, SHARED_PSA_FIXTURES);
  if (!options.noShared && (await isDir(shared))) return { kind: 'shared', root: shared, label: `${SHARED_PSA_FIXTURES} beside the project (${shared})` };
  return psaModuleFixtures({ ...options, projectRoot: projectDir });
}
