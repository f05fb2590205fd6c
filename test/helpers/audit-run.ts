/** `kube-posture audit` as a user runs it (the real CLI) against a fake API server, for the live-scan adapter tests. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeApi, type FakeApi, type FakeApiOptions, type FakeObject } from './fake-apiserver.js';

/** `env`: the whole environment of the run (default: the test's own, without KUBECONFIG). */
export async function audit(kubeconfig: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['--import', 'tsx', 'src/cli/main.ts', 'audit', '--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...(options.env ?? process.env), KUBECONFIG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A fake API server over `objects` and a kubeconfig for it in a temporary directory, both gone at teardown. */
export async function fakeCluster(t: { teardown(fn: () => Promise<void>): void }, objects: FakeObject[], options: FakeApiOptions = {}): Promise<{ api: FakeApi; kubeconfig: string; dir: string }> {
  const api = await startFakeApi(objects, options);
  const dir = await mkdtemp(join(tmpdir(), 'kp-audit-'));
  const kubeconfig = join(dir, 'config');
  await writeFile(kubeconfig, api.kubeconfig);
  t.teardown(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { api, kubeconfig, dir };
}
