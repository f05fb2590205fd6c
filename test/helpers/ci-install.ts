/** An "installed" kube-posture for tests of what pipelines run (action.yml, .pre-commit-hooks.yaml). */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = pathToFileURL(join(ROOT, 'src/cli/main.ts')).href;
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Step { name?: string; id?: string; uses?: string; run?: string; shell?: string; if?: string; env?: Record<string, string>; with?: Record<string, string> }
export interface Action { name: string; description: string; inputs: Record<string, { description: string; default?: string; required?: boolean }>; outputs: Record<string, { value: string }>; runs: { using: string; steps: Step[] } }

export const privileged = 'apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: team }\nspec:\n  containers:\n    - { name: a, image: "registry.example.com/a:1", securityContext: { privileged: true } }\n';
export const clean = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, namespace: team }\ndata: { k: v }\n';

/** An "installed" kube-posture: bin/kube-posture.js that runs the source, and a `kube-posture` on PATH. */
export function install(dir: string): { actionPath: string; binDir: string; env: NodeJS.ProcessEnv } {
  const actionPath = join(dir, 'action');
  mkdirSync(join(actionPath, 'bin'), { recursive: true });
  writeFileSync(join(actionPath, 'bin', 'kube-posture.js'), `await import(${JSON.stringify(MAIN)});\n`);
  const binDir = join(dir, 'path');
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'kube-posture'), `#!/bin/sh\nexec "${process.execPath}" "${join(actionPath, 'bin', 'kube-posture.js')}" "$@"\n`);
  chmodSync(join(binDir, 'kube-posture'), 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `--import=${TSX}`, PATH: `${binDir}:${process.env.PATH ?? ''}` };
  delete env.FORCE_COLOR;
  return { actionPath, binDir, env };
}

export function bash(script: string, env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-eo', 'pipefail', '-c', script], { env, cwd, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr }));
  });
}

