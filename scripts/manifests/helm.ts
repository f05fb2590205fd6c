/**
 * Running the Helm CLI (built by scripts/install-helm.sh into .tools/bin, or found on PATH). The npm scripts
 * that need it (pretest, gen:manifests, test:e2e) run the install script first: it is instant once built.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART_DIR = join(REPO_ROOT, 'charts', 'kube-posture');
/** Release name and namespace of the plain manifests (webhook-config/). */
export const PLAIN_RELEASE = { name: 'kube-posture', namespace: 'kube-posture' } as const;

let cached: string | undefined;

/** The helm binary: $HELM, then .tools/bin/helm, then helm on PATH. Undefined when there is none. */
export async function findHelm(): Promise<string | undefined> {
  if (cached) return cached;
  const candidates = [process.env.HELM, join(REPO_ROOT, '.tools', 'bin', 'helm')].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return (cached = c);
    } catch {
      // not there: try the next one
    }
  }
  try {
    await run('helm', ['version', '--short'], { timeout: 30_000 });
    return (cached = 'helm');
  } catch {
    return undefined;
  }
}

export async function requireHelm(): Promise<string> {
  const helm = await findHelm();
  if (!helm) throw new Error('helm not found: run scripts/install-helm.sh (builds it into .tools/bin; npm test, npm run gen:manifests and npm run test:e2e run it first) or put helm on PATH');
  return helm;
}

export class HelmError extends Error {
  constructor(message: string, readonly stderr: string) {
    super(message);
  }
}

/** Runs helm; rejects with a HelmError carrying stderr when it exits non-zero. */
export async function helm(args: readonly string[]): Promise<string> {
  const bin = await requireHelm();
  try {
    // Helm must not read the user's repositories or plugins: a hermetic, offline render.
    const env = { ...process.env, HELM_CACHE_HOME: join(tmpdir(), 'kube-posture-helm', 'cache'), HELM_CONFIG_HOME: join(tmpdir(), 'kube-posture-helm', 'config'), HELM_DATA_HOME: join(tmpdir(), 'kube-posture-helm', 'data') };
    const { stdout } = await run(bin, [...args], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    throw new HelmError(`helm ${args[0] ?? ''} failed: ${(e.stderr ?? e.message ?? '').trim()}`, e.stderr ?? '');
  }
}

/**
 * Kubernetes version rendered for. A helm built with `go install` lacks the release ldflags and would
 * assume v1.20, below the chart's kubeVersion; an explicit version also keeps renders reproducible.
 */
export const RENDER_KUBE_VERSION = '1.31.0';

export interface TemplateOptions {
  chartDir?: string;
  releaseName?: string;
  namespace?: string;
  /** Extra helm arguments, e.g. ['--kube-version', '1.30.0']. */
  args?: readonly string[];
}

/** `helm template` with the given values (written to a temporary file, never to the chart). */
export async function helmTemplate(values: unknown, options: TemplateOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-posture-values-'));
  try {
    const file = join(dir, 'values.json');
    await writeFile(file, JSON.stringify(values ?? {}));
    return await helm([
      'template',
      options.releaseName ?? PLAIN_RELEASE.name,
      options.chartDir ?? CHART_DIR,
      '--namespace',
      options.namespace ?? PLAIN_RELEASE.namespace,
      '--values',
      file,
      '--kube-version',
      RENDER_KUBE_VERSION,
      ...(options.args ?? []),
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
