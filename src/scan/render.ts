/**
 * Helm charts and Kustomize roots in a scan's input: a directory with `Chart.yaml`, or with
 * `kustomization.yaml`, `kustomization.yml` or `Kustomization`, holds templates, not manifests. It is
 * rendered (helm template / kustomize build) and the rendered objects are scanned; when the renderer is
 * not installed, the input problem gives the exact pipe command to run instead.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { PACKAGE_ROOT } from '../package-paths.js';
import type { Problem } from '../core/errors.js';

export interface RenderRoot {
  kind: 'helm' | 'kustomize';
  dir: string;
}

/** Values and names given to `helm template` (`--helm-values`, `--helm-set`, `--helm-release`, `--helm-namespace`). */
export interface RenderOptions {
  helmValues?: readonly string[];
  helmSet?: readonly string[];
  helmRelease?: string;
  helmNamespace?: string;
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

const isFile = async (p: string) => (await stat(p).catch(() => undefined))?.isFile() === true;

/** The chart or Kustomize root a directory is, if it is one (a chart wins when it is both). */
export async function renderRootOf(dir: string): Promise<RenderRoot | undefined> {
  if (await isFile(join(dir, 'Chart.yaml'))) return { kind: 'helm', dir };
  for (const f of KUSTOMIZATION_FILES) if (await isFile(join(dir, f))) return { kind: 'kustomize', dir };
  return undefined;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d !== '' && executable(join(d, name))) return join(d, name);
  }
  return undefined;
}

/** helm: `KP_HELM` when set (and only it), else helm on PATH, else the project's `.tools/bin/helm` (where `npm test` builds it). */
export function findHelm(): string | undefined {
  const forced = process.env.KP_HELM;
  if (forced !== undefined && forced !== '') return executable(forced) ? forced : undefined;
  const found = onPath('helm');
  if (found) return found;
  const p = join(PACKAGE_ROOT, '.tools', 'bin', 'helm');
  return executable(p) ? p : undefined;
}

/** kustomize on PATH (`kustomize build DIR`), else kubectl's built-in one (`kubectl kustomize DIR`). */
export function findKustomize(): { cmd: string; args: string[] } | undefined {
  const k = onPath('kustomize');
  if (k) return { cmd: k, args: ['build'] };
  const kubectl = onPath('kubectl');
  return kubectl ? { cmd: kubectl, args: ['kustomize'] } : undefined;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The command a user would run to render `root` (and pipe into `kube-posture scan -`). */
export function renderCommand(root: RenderRoot, options: RenderOptions = {}): string[] {
  if (root.kind === 'kustomize') return ['kubectl', 'kustomize', root.dir];
  return ['helm', 'template', options.helmRelease ?? 'release-name', root.dir, ...(options.helmNamespace ? ['--namespace', options.helmNamespace] : []), ...(options.helmValues ?? []).flatMap((v) => ['--values', v]), ...(options.helmSet ?? []).flatMap((v) => ['--set', v])];
}

/**
 * Renders `root` into `outFile` (the renderer's standard output streamed to disk, never held). Returns
 * an input problem when the renderer is missing or fails (its first lines of standard error, bounded).
 */
export async function renderTo(root: RenderRoot, options: RenderOptions, outFile: string): Promise<Problem | undefined> {
  const pipe = `${renderCommand(root, options).map(quote).join(' ')} | kube-posture scan -`;
  let cmd: string;
  let args: string[];
  if (root.kind === 'helm') {
    const helm = findHelm();
    if (helm === undefined) return { code: 'KP_ERR_INPUT_RENDER', file: root.dir, message: `a Helm chart (Chart.yaml), and helm is not installed (not on PATH, nor .tools/bin/helm; KP_HELM names one): install helm, or render the chart and scan its output: ${pipe}` };
    cmd = helm;
    args = renderCommand(root, options).slice(1);
  } else {
    const k = findKustomize();
    if (k === undefined) return { code: 'KP_ERR_INPUT_RENDER', file: root.dir, message: `a Kustomize root (kustomization.yaml), and neither kustomize nor kubectl is on PATH: install one, or render it and scan its output: ${pipe}` };
    cmd = k.cmd;
    args = [...k.args, root.dir];
  }
  return new Promise((resolve) => {
    const out = createWriteStream(outFile, { mode: 0o600 });
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
    child.stdout.pipe(out);
    child.on('error', (err) => resolve({ code: 'KP_ERR_INPUT_RENDER', file: root.dir, message: `${cmd} could not run (${err.message}); render it yourself: ${pipe}` }));
    child.on('close', (code) => {
      out.end(() => {
        if (code === 0) return resolve(undefined);
        const why = stderr.trim().split('\n').slice(0, 3).join(' / ').slice(0, 500);
        resolve({ code: 'KP_ERR_INPUT_RENDER', file: root.dir, message: `${[cmd.split('/').pop() ?? cmd, ...args].map(quote).join(' ')} failed (exit ${code}): ${why}` });
      });
    });
  });
}

/**
 * Where a rendered document came from: Helm writes `# Source: <chart>/templates/x.yaml` above each one.
 * Returns the template's path inside the chart directory and the line, within the chunk, of the comment
 * (the document's own lines count from the one after it).
 */
export function helmSourceOf(text: string, chartDir: string): { file: string; commentLine: number } | undefined {
  const m = /^# Source: ([^\n]+)$/m.exec(text);
  if (!m) return undefined;
  const rel = m[1]!.trim().split('/').slice(1).join('/');
  if (rel === '' || rel.split('/').includes('..')) return undefined;
  const commentLine = text.slice(0, m.index).split('\n').length;
  return { file: join(chartDir, rel), commentLine };
}
