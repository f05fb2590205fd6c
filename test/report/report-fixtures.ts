/**
 * Saved scans for the report's tests, made by the real CLI (`scan -o json`) over manifests written to a
 * temporary directory: three namespaces, workloads with and without problems, enough findings for more
 * than one page of the findings table. `rescan` changes the manifests and scans the same path again, so
 * the two scans are one source at two times (a trend).
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

export interface SavedScan {
  file: string;
  doc: ScanDoc;
}

export interface ScanDoc {
  source: { name: string };
  generatedAt: string;
  summary: { bySeverity: Record<string, number> };
  objects: { kind: string; name: string; namespace?: string; findings: { policyId: string; severity: string; message: string; path: string; remediation: string }[] }[];
  compliance: { frameworks: { id: string; name: string; compliance: number | null; controls: { id: string; policies: string[]; failed: number; passed: number }[] }[] };
}

const deployment = (ns: string, name: string, spec: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${ns} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
${spec}
---
`;

const BAD = `      hostNetwork: true
      containers:
        - name: app
          image: nginx
          securityContext: { privileged: true, runAsUser: 0 }
`;
const GOOD = `      automountServiceAccountToken: false
      serviceAccountName: app
      securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: app
          image: registry.example.com/app:1.0.0@sha256:${'a'.repeat(64)}
          resources: { requests: { cpu: 10m, memory: 16Mi }, limits: { cpu: 100m, memory: 64Mi } }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
`;

export function manifests(fixed: number): string {
  let text = '';
  for (const ns of ['payments', 'shop', 'tools']) text += `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n---\n`;
  const workloads: [string, string][] = [['payments', 'api'], ['payments', 'worker'], ['shop', 'web'], ['shop', 'cart'], ['shop', 'search'], ['tools', 'debug']];
  workloads.forEach(([ns, name], i) => (text += deployment(ns, name, i < fixed ? GOOD : BAD)));
  return text;
}

export async function scansDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kp-report-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Scans `manifests(fixed)` written at `dir/<source>/k8s.yaml` and saves the scan as `dir/<out>`. */
export async function saveScan(dir: string, source: string, fixed: number, out: string): Promise<SavedScan> {
  await mkdir(join(dir, source), { recursive: true });
  await writeFile(join(dir, source, 'k8s.yaml'), manifests(fixed));
  const r = await runCli(['scan', join(dir, source), '-o', 'json', '--fail-on', 'never']);
  if (r.code !== 0) throw new Error(`scan failed (${r.code}): ${r.stderr}`);
  await writeFile(join(dir, out), r.stdout);
  return { file: join(dir, out), doc: JSON.parse(r.stdout) as ScanDoc };
}
