import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packagePath, RUNNING_BUILT } from '../package-paths.js';
import { BUILTIN_BUNDLE } from './builtin-bundle.js';
import { shapeValidator } from '../core/shape-validator.js';
import type { Plugin } from 'esbuild';
import { readSingleYaml } from '../yaml/read-yaml.js';
import { compileSchemaPolicy, type SchemaPolicyDocument } from '../core/schema-policy.js';
import { schemaPolicyDocumentSchema } from '../core/policy-metadata-schema.js';
import { buildRegistry, registerPolicy, type Registry } from '../core/registry.js';
import { errorMessage, type Problem } from '../core/errors.js';
import type { PolicySource, RegisteredPolicy } from '../core/types.js';

/** File names that make a folder a policy folder. */
export const POLICY_FILES = ['policy.ts', 'policy.js', 'policy.mjs', 'policy.yaml', 'policy.yml', 'policy.json'] as const;
const SKIP_DIRS = new Set(['fixtures', 'node_modules', '.git']);
const MAX_DEPTH = 4;
const LOAD_CONCURRENCY = 16;

/**
 * The built-in library: `policies/` beside `src/` in a checkout (TypeScript, run through tsx), or
 * `dist/policies/` in a build (compiled JavaScript, with the YAML policies copied beside it).
 */
export const BUILTIN_POLICY_DIR = packagePath('policies');

/** Every policy file under a directory, in a stable order. */
export async function findPolicyFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string, depth: number, into: string[]): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    // Symbolic links are followed: a ConfigMap volume presents every file and folder as a link into
    // its `..data` snapshot. MAX_DEPTH bounds a link cycle.
    const typeOf = async (e: (typeof entries)[number]): Promise<'file' | 'dir' | 'other'> => {
      if (e.isSymbolicLink()) {
        const s = await stat(join(d, e.name)).catch(() => undefined);
        return s?.isFile() ? 'file' : s?.isDirectory() ? 'dir' : 'other';
      }
      return e.isFile() ? 'file' : e.isDirectory() ? 'dir' : 'other';
    };
    const types = new Map(await Promise.all(entries.map(async (e) => [e.name, await typeOf(e)] as const)));
    // One policy per folder: the first policy file in POLICY_FILES order wins (policy.ts over a stale policy.js).
    const own = POLICY_FILES.find((f) => types.get(f) === 'file');
    if (own) {
      into.push(join(d, own));
      return;
    }
    if (depth >= MAX_DEPTH) return;
    // Sub-folders are read at once (each readdir is a round trip to libuv's pool; one after the other
    // they were most of a one-file scan's idle time) and their finds kept in folder order.
    const subdirs = entries.filter((e) => types.get(e.name) === 'dir' && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.'));
    const finds = await Promise.all(subdirs.map(async (e) => {
      const sub: string[] = [];
      await walk(join(d, e.name), depth + 1, sub);
      return sub;
    }));
    for (const f of finds) into.push(...f);
  };
  await walk(dir, 0, found);
  return found;
}

export interface LoadedPolicies {
  registered: RegisteredPolicy[];
  problems: Problem[];
}

/** Loads every policy under `dir`. A broken policy is a problem with its file and reason, never a throw. */
export async function loadPolicyDir(dir: string, origin: PolicySource['origin']): Promise<LoadedPolicies> {
  const registered: RegisteredPolicy[] = [];
  const problems: Problem[] = [];
  let files: string[];
  try {
    files = BUILTIN_BUNDLE !== undefined && resolve(dir) === BUILTIN_POLICY_DIR ? BUILTIN_BUNDLE.files.map((f) => join(BUILTIN_POLICY_DIR, f)) : await findPolicyFiles(dir);
  } catch (err) {
    return { registered, problems: [{ code: 'KP_ERR_POLICY_LOAD', message: `cannot read policy directory: ${errorMessage(err)}`, file: dir }] };
  }
  // Loaded LOAD_CONCURRENCY at a time (module imports overlap their file reads; user TypeScript is
  // bundled by esbuild, so not all at once), results kept in file order.
  const results = new Array<Awaited<ReturnType<typeof loadPolicyFile>>>(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      results[i] = await loadPolicyFile(files[i]!, origin);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, files.length) }, worker));
  for (const r of results) {
    if (r.ok) registered.push(r.value);
    else problems.push(...r.problems);
  }
  return { registered, problems };
}

export async function loadPolicyFile(file: string, origin: PolicySource['origin']): Promise<{ ok: true; value: RegisteredPolicy } | { ok: false; problems: Problem[] }> {
  const ext = extname(file);
  const format: PolicySource['format'] = ['.yaml', '.yml', '.json'].includes(ext) ? 'schema' : 'module';
  const source: PolicySource = { origin, file, format };
  let policy: unknown;
  try {
    policy = format === 'schema' ? await loadSchemaPolicy(file, origin) : await importPolicyModule(file, origin);
  } catch (err) {
    const problems = err instanceof PolicyFileError ? err.problems : [{ code: 'KP_ERR_POLICY_LOAD' as const, message: errorMessage(err), file }];
    return { ok: false, problems };
  }
  const r = registerPolicy({ policy, source });
  if (!r.ok) return r;
  const folder = basename(dirname(file));
  if (r.value.policy.id !== folder) {
    return { ok: false, problems: [{ code: 'KP_ERR_POLICY_INVALID', message: `policy id ${JSON.stringify(r.value.policy.id)} must equal its folder name ${JSON.stringify(folder)}`, file }] };
  }
  return r;
}

class PolicyFileError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

const validateDocument = shapeValidator(schemaPolicyDocumentSchema);

/** A built-in policy file's part of the bundle (./builtin-bundle.ts), if this runs from one. */
function bundled(part: 'modules' | 'documents', file: string): unknown {
  return BUILTIN_BUNDLE?.[part][relative(BUILTIN_POLICY_DIR, file).split(sep).join('/')];
}

/** A schema policy file's document: from the bundle for a built-in one, else read with the reader of manifests and configuration (src/yaml/read-yaml.ts). */
async function schemaPolicyDocument(file: string, origin: PolicySource['origin']): Promise<unknown> {
  const built = origin === 'builtin' ? bundled('documents', file) : undefined;
  if (built !== undefined) return built;
  const { document, problems } = readSingleYaml(await readFile(file, 'utf8'), 'a policy file');
  if (problems.length > 0) {
    throw new PolicyFileError(problems.map((p) => ({ code: 'KP_ERR_POLICY_LOAD', message: p.message, file, ...(p.line !== undefined ? { line: p.line } : {}) })));
  }
  return document?.value ?? null;
}

async function loadSchemaPolicy(file: string, origin: PolicySource['origin']): Promise<unknown> {
  const data = await schemaPolicyDocument(file, origin);
  if (!validateDocument(data)) {
    throw new PolicyFileError((validateDocument.errors ?? []).map((e) => ({
      code: 'KP_ERR_POLICY_INVALID',
      message: `${e.instancePath || '(document)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`,
      file,
    })));
  }
  try {
    return compileSchemaPolicy(data as unknown as SchemaPolicyDocument);
  } catch (err) {
    throw new PolicyFileError([{ code: 'KP_ERR_POLICY_INVALID', message: `schema does not compile: ${errorMessage(err)}`, file }]);
  }
}

const SDK_ENTRY = packagePath(RUNNING_BUILT ? 'src/sdk.js' : 'src/sdk.ts');

/**
 * Imports a policy module. Built-in TypeScript runs through the TypeScript loader in development;
 * user TypeScript is bundled by esbuild (so it may import its own helpers and `kube-posture/policy`)
 * and imported from a data: URL, which also gives every reload a fresh module instance.
 */
async function importPolicyModule(file: string, origin: PolicySource['origin']): Promise<unknown> {
  const built = origin === 'builtin' ? bundled('modules', file) : undefined;
  if (built !== undefined) return built;
  let mod: Record<string, unknown>;
  if (file.endsWith('.ts') && origin === 'user') {
    const code = await bundleUserPolicy(file);
    mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Record<string, unknown>;
  } else {
    const { mtimeMs } = await stat(file);
    // The query makes a changed file a new module on reload; an unchanged one is reused.
    mod = (await import(`${pathToFileURL(file).href}?v=${Math.trunc(mtimeMs)}`)) as Record<string, unknown>;
  }
  if (!('default' in mod)) throw new PolicyFileError([{ code: 'KP_ERR_POLICY_LOAD', message: 'module has no default export (export default definePodPolicy({...}))', file }]);
  return mod.default;
}

/** A user TypeScript policy bundled into one ES module, with `kube-posture/policy` resolved to the SDK. */
export async function bundleUserPolicy(file: string): Promise<string> {
  const sdk = SDK_ENTRY;
  // Imported here, not at the top: only user TypeScript needs it, and loading it costs about 12 MiB of RSS.
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
    alias: { 'kube-posture/policy': sdk },
    plugins: [sdkIsPure(sdk)],
  }).catch((err: unknown) => {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? [];
    throw new PolicyFileError(errors.length > 0
      ? errors.map((e) => ({ code: 'KP_ERR_POLICY_LOAD' as const, message: e.text, file: e.location?.file ? resolve(e.location.file) : file, ...(e.location ? { line: e.location.line } : {}) }))
      : [{ code: 'KP_ERR_POLICY_LOAD', message: errorMessage(err), file }]);
  });
  return out.outputFiles[0]?.text ?? '';
}

const RESOLVING = Symbol('sdk-is-pure');

/**
 * esbuild keeps every module the SDK entry re-exports unless it knows that importing one does
 * nothing, and with it what that module imports: each user policy would carry ipaddr.js for the
 * NetworkPolicy helpers, used or not. Those modules are pure by the SDK's contract (src/sdk.ts), so
 * they are declared side-effect free and the parts of the SDK a policy does not use drop out.
 */
function sdkIsPure(sdk: string): Plugin {
  return {
    name: 'kube-posture-sdk-is-pure',
    setup(build) {
      build.onResolve({ filter: /^\./ }, async (args) => {
        if (args.importer !== sdk || args.pluginData === RESOLVING) return undefined;
        const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: RESOLVING });
        return r.errors.length > 0 ? undefined : { path: r.path, namespace: r.namespace, external: r.external, sideEffects: false };
      });
    },
  };
}


export interface LibraryLoadResult {
  registry: Registry;
  problems: Problem[];
}

/**
 * Loads the built-in library and the user directories into one registry. Problems are returned, not
 * thrown: the caller applies the configured policy (`onPolicyLoadError`) and logs each with its file.
 */
export async function loadLibrary(options: { builtinDir?: string | false; userDirs?: readonly string[] } = {}): Promise<LibraryLoadResult> {
  const all: RegisteredPolicy[] = [];
  const problems: Problem[] = [];
  const builtin = options.builtinDir === undefined ? BUILTIN_POLICY_DIR : options.builtinDir;
  if (builtin !== false) {
    const r = await loadPolicyDir(builtin, 'builtin');
    all.push(...r.registered);
    problems.push(...r.problems);
  }
  for (const dir of options.userDirs ?? []) {
    const r = await loadPolicyDir(resolve(dir), 'user');
    all.push(...r.registered);
    problems.push(...r.problems);
  }
  const { registry, problems: registryProblems } = buildRegistry(all);
  return { registry, problems: [...problems, ...registryProblems] };
}

/** A display path relative to the working directory, for messages. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
