/**
 * A deterministic tree of mixed, realistic workloads for `npm run bench:scan` (and the large-input test):
 * per application a Namespace-scoped set of Deployment + Service + ServiceAccount + ConfigMap, with
 * StatefulSets, DaemonSets, CronJobs, Jobs, Ingresses, Roles/RoleBindings and NetworkPolicies mixed in, some
 * hardened and some not, so every kind of policy has work to do. Same arguments, same bytes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A tiny deterministic generator (mulberry32), so the tree is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function container(name: string, hardened: boolean, rnd: () => number): string {
  const image = rnd() < 0.3 ? `registry.example.com/team/${name}:latest` : `registry.example.com/team/${name}:1.${Math.floor(rnd() * 20)}.${Math.floor(rnd() * 9)}`;
  const sc = hardened
    ? `          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities: { drop: [ALL] }
            seccompProfile: { type: RuntimeDefault }
`
    : rnd() < 0.2 ? `          securityContext:
            privileged: true
` : '';
  const resources = hardened || rnd() < 0.5 ? `          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { memory: 256Mi }
` : '';
  const probes = hardened ? `          livenessProbe: { httpGet: { path: /healthz, port: 8080 } }
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
` : '';
  return `        - name: ${name}
          image: ${image}
          ports: [{ containerPort: 8080, name: http }]
          env:
            - { name: LOG_LEVEL, value: info }
            - { name: DB_HOST, valueFrom: { configMapKeyRef: { name: ${name}-config, key: db_host } } }
${sc}${resources}${probes}`;
}

function podSpec(app: string, hardened: boolean, rnd: () => number, extra = ''): string {
  return `    spec:
      serviceAccountName: ${app}
${hardened ? '      automountServiceAccountToken: false\n' : ''}${extra}      containers:
${container(app, hardened, rnd)}`;
}

/** The objects of one application (about 6 to 9 objects), as YAML documents. */
function application(i: number, ns: string, rnd: () => number): string[] {
  const app = `app-${i}`;
  const hardened = rnd() < 0.4;
  const labels = `{ app: ${app}, tier: ${i % 3 === 0 ? 'frontend' : 'backend'} }`;
  const docs: string[] = [];
  docs.push(`apiVersion: v1
kind: ServiceAccount
metadata: { name: ${app}, namespace: ${ns} }
${rnd() < 0.3 ? 'automountServiceAccountToken: false\n' : ''}`);
  docs.push(`apiVersion: v1
kind: ConfigMap
metadata: { name: ${app}-config, namespace: ${ns}, labels: ${labels} }
data:
  db_host: db.${ns}.svc
  feature_flags: "a,b,c"
`);
  const r = rnd();
  const kind = r < 0.6 ? 'Deployment' : r < 0.75 ? 'StatefulSet' : r < 0.85 ? 'DaemonSet' : r < 0.95 ? 'CronJob' : 'Job';
  if (kind === 'CronJob') {
    docs.push(`apiVersion: batch/v1
kind: CronJob
metadata: { name: ${app}, namespace: ${ns}, labels: ${labels} }
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        metadata: { labels: ${labels} }
    ${podSpec(app, hardened, rnd, '      restartPolicy: OnFailure\n').replace(/\n/g, '\n    ')}
`);
  } else if (kind === 'Job') {
    docs.push(`apiVersion: batch/v1
kind: Job
metadata: { name: ${app}, namespace: ${ns}, labels: ${labels} }
spec:
  template:
    metadata: { labels: ${labels} }
${podSpec(app, hardened, rnd, '      restartPolicy: Never\n')}`);
  } else {
    docs.push(`apiVersion: apps/v1
kind: ${kind}
metadata: { name: ${app}, namespace: ${ns}, labels: ${labels} }
spec:
${kind === 'DaemonSet' ? '' : `  replicas: ${1 + Math.floor(rnd() * 3)}\n`}${kind === 'StatefulSet' ? `  serviceName: ${app}\n` : ''}  selector: { matchLabels: { app: ${app} } }
  template:
    metadata: { labels: ${labels} }
${podSpec(app, hardened, rnd, kind === 'DaemonSet' && !hardened && rnd() < 0.5 ? '      hostNetwork: true\n' : '')}`);
  }
  docs.push(`apiVersion: v1
kind: Service
metadata: { name: ${app}, namespace: ${ns}, labels: ${labels} }
spec:
  type: ${rnd() < 0.1 ? 'NodePort' : 'ClusterIP'}
  selector: { app: ${app} }
  ports: [{ port: 80, targetPort: http }]
`);
  if (i % 4 === 0) docs.push(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${app}, namespace: ${ns} }
spec:
${rnd() < 0.5 ? `  tls: [{ hosts: [${app}.example.com], secretName: ${app}-tls }]\n` : ''}  rules:
    - host: ${app}.example.com
      http:
        paths: [{ path: /, pathType: Prefix, backend: { service: { name: ${app}, port: { number: 80 } } } }]
`);
  if (i % 5 === 0) docs.push(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: ${app}, namespace: ${ns} }
rules:
  - { apiGroups: [""], resources: [configmaps], verbs: [get, list, watch] }
${rnd() < 0.3 ? '  - { apiGroups: [""], resources: [secrets], verbs: [get] }\n' : ''}`, `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ${app}, namespace: ${ns} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: ${app} }
subjects: [{ kind: ServiceAccount, name: ${app}, namespace: ${ns} }]
`);
  if (i % 7 === 0) docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${app}, namespace: ${ns} }
spec:
  podSelector: { matchLabels: { app: ${app} } }
  policyTypes: [Ingress]
  ingress: [{ from: [{ podSelector: { matchLabels: { tier: frontend } } }] }]
`);
  return docs;
}

/** About `objects` objects as YAML documents, in applications spread over namespaces of 50 applications each. */
export function generateDocuments(objects: number, seed = 1): string[] {
  const rnd = random(seed);
  const docs: string[] = [];
  for (let i = 0; docs.length < objects; i++) {
    const ns = `team-${Math.floor(i / 50)}`;
    if (i % 50 === 0) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns}, labels: { team: "${Math.floor(i / 50)}" } }\n`);
    docs.push(...application(i, ns, rnd));
  }
  return docs.slice(0, objects);
}

/** One multi-document file of about `objects` objects; returns its path. */
export async function writeOneFile(dir: string, objects: number, seed = 1): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `all-${objects}.yaml`);
  await writeFile(path, generateDocuments(objects, seed).join('---\n'));
  return path;
}

/** The same objects over `files` files (whole applications per file, in order); returns the directory. */
export async function writeTree(dir: string, objects: number, files: number, seed = 1): Promise<string> {
  const docs = generateDocuments(objects, seed);
  const root = join(dir, `tree-${objects}`);
  await mkdir(root, { recursive: true });
  const per = Math.ceil(docs.length / files);
  for (let f = 0; f < files; f++) {
    const part = docs.slice(f * per, (f + 1) * per);
    if (part.length > 0) await writeFile(join(root, `part-${String(f).padStart(3, '0')}.yaml`), part.join('---\n'));
  }
  return root;
}
