import { mkdir, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';

export interface ScaffoldOptions {
  dir: string;
  category: string;
  id: string;
  format: 'ts' | 'yaml';
  target: 'pod' | 'object';
  /** Import path of the policy SDK from the new file (built-in library: relative; user dirs: package). */
  sdkImport: string;
  /**
   * Enabled in the `recommended` profile (`recommended: warn`), so that a scan or the webhook on the default
   * profile runs it straight away; false leaves it to be enabled by profile `all` or the configuration.
   */
  recommended?: boolean;
}

const ID_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Writes a new policy folder with a working example check and one pass and one fail fixture, so that
 * `kube-posture policies test` passes straight away and the author edits from a green start.
 */
export async function scaffoldPolicy(o: ScaffoldOptions): Promise<string[]> {
  if (!ID_RE.test(o.id)) throw new Error(`policy id ${JSON.stringify(o.id)} must be kebab-case (a-z, 0-9, -)`);
  if (!ID_RE.test(o.category)) throw new Error(`category ${JSON.stringify(o.category)} must be kebab-case`);
  const folder = join(o.dir, o.category, o.id);
  if (await access(folder).then(() => true, () => false)) throw new Error(`${folder} already exists`);
  await mkdir(join(folder, 'fixtures', 'pass'), { recursive: true });
  await mkdir(join(folder, 'fixtures', 'fail'), { recursive: true });
  const files: [string, string][] = [];
  // The metadata a new policy starts from, rendered as YAML or as TypeScript properties.
  const fields: [string, string][] = [
    ['id', o.id],
    ['title', 'TODO one-line title'],
    ['description', 'Which fields this policy restricts and which values are allowed.'],
    ['severity', 'medium'],
    ['category', o.category],
    ['controls', '[]'],
    ['remediation', 'How to fix a violation.'],
    ['defaultAction', 'warn'],
    ...(o.recommended !== false ? [['recommended', 'warn'] as [string, string]] : []),
  ];
  const yamlMeta = fields.map(([k, v]) => `${k}: ${v}`).join('\n');
  const tsMeta = fields.map(([k, v]) => `  ${k}: ${v === '[]' ? v : `'${v}'`},`).join('\n');
  if (o.format === 'yaml') {
    const body = o.target === 'pod'
      ? `target: container\nschema:\n  properties:\n    securityContext:\n      properties:\n        privileged: { const: false }\nmessage: 'container "{container}": {path} must be false'\n`
      : `match: { kinds: [Service] }\nschema:\n  properties:\n    spec:\n      properties:\n        type: { not: { const: NodePort } }\nmessage: 'Service type {value} is not allowed'\n`;
    files.push(['policy.yaml', `${yamlMeta}\n${body}`]);
  } else if (o.target === 'pod') {
    files.push(['policy.ts', `import { definePodPolicy, containersOf } from '${o.sdkImport}';

/** Example: flags privileged containers. Replace the check with your rule. */
export default definePodPolicy({
${tsMeta}
  check(pod) {
    return containersOf(pod.spec)
      .filter((c) => c.container.securityContext?.privileged === true)
      .map((c) => ({ path: [...c.path, 'securityContext', 'privileged'], message: \`container "\${c.label}": securityContext.privileged must be false\`, value: true }));
  },
});
`]);
  } else {
    files.push(['policy.ts', `import { defineObjectPolicy, asRecord } from '${o.sdkImport}';

/** Example: flags NodePort Services. Replace the kinds and the check with your rule. */
export default defineObjectPolicy({
${tsMeta}
  match: { kinds: ['Service'] },
  check(object) {
    const type = asRecord(object.spec)?.type;
    return type === 'NodePort' ? [{ path: ['spec', 'type'], message: 'Service type NodePort is not allowed', value: type }] : [];
  },
});
`]);
  }
  if (o.target === 'pod') {
    files.push(['fixtures/pass/pod.yaml', `apiVersion: v1\nkind: Pod\nmetadata: { name: ok }\nspec:\n  containers:\n    - { name: app, image: 'registry.example.com/app:1.0' }\n`]);
    files.push(['fixtures/fail/deployment.yaml', `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: bad }\nspec:\n  selector: { matchLabels: { app: bad } }\n  template:\n    metadata: { labels: { app: bad } }\n    spec:\n      containers:\n        - { name: app, image: 'registry.example.com/app:1.0', securityContext: { privileged: true } }\n`]);
  } else {
    files.push(['fixtures/pass/service.yaml', `apiVersion: v1\nkind: Service\nmetadata: { name: ok }\nspec: { type: ClusterIP, ports: [{ port: 80 }] }\n`]);
    files.push(['fixtures/fail/service.yaml', `apiVersion: v1\nkind: Service\nmetadata: { name: bad }\nspec: { type: NodePort, ports: [{ port: 80 }] }\n`]);
  }
  const written: string[] = [];
  for (const [name, text] of files) {
    const path = join(folder, name);
    await writeFile(path, text, { flag: 'wx' });
    written.push(path);
  }
  return written;
}
