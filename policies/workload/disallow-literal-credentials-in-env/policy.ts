import { asArray, containersOf, definePodPolicy, isRecord, type Violation } from '../../../src/sdk.js';

interface Params {
  namePattern: string;
  exemptNamePattern: string;
  placeholderPattern: string;
}

// Compiled once per parameter set (`prepare`), never per request.
const compiled = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let re = compiled.get(source);
  if (re === undefined) {
    re = new RegExp(source, 'i');
    if (compiled.size > 64) compiled.clear();
    compiled.set(source, re);
  }
  return re;
}

/**
 * A credential written into the manifest (`DB_PASSWORD: hunter2`): anyone who can read the Deployment, its
 * Git history or `kubectl get -o yaml` has it. A name pattern says which variables hold credentials and a
 * value heuristic leaves out what is no literal secret: `valueFrom`, empty values, `$(VAR)` and `${VAR}`
 * references, placeholders. The value is never read into a message or a finding.
 */
export default definePodPolicy<Params>({
  id: 'disallow-literal-credentials-in-env',
  title: 'Credentials must not be written into container environment variables',
  description:
    'Flags `env[].value` of every container (init, regular, ephemeral) whose variable name matches `namePattern` (password, secret, ' +
    'token, API key, private key, credentials; case-insensitive) and is not exempt by `exemptNamePattern` (names of files, URLs, hosts, ' +
    'user names, ids), and whose value is a literal: not empty, not a `$(VAR)` or `${VAR}` reference, not a placeholder matching ' +
    '`placeholderPattern` (`changeme`, `<...>`, `{{ ... }}`, `***`). A literal credential in a manifest is readable by everyone who can ' +
    'read the object, its Git history or its audit log. The value itself is never reported.',
  severity: 'high',
  category: 'workload',
  controls: ['cis-k8s:5.4.1', 'nsa:authentication-authorization', 'mitre:T1552'],
  remediation: 'Move the value into a Secret and mount it as a file (or reference it with `valueFrom.secretKeyRef`); rotate the credential, since it has been exposed.',
  defaultAction: 'warn',
  recommended: 'warn',
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      namePattern: { type: 'string', minLength: 1, default: '(pass(word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|auth)', description: 'Regular expression (case-insensitive) that names of credential variables match.' },
      exemptNamePattern: { type: 'string', default: '(_(file|path|dir|url|uri|endpoint|host|port|user|username|name|id|type|enabled|method|mode|length|ttl|expiry|expires|timeout|header)|_key_id)$', description: 'Regular expression (case-insensitive) of names that match namePattern but hold no credential (PASSWORD_FILE, TOKEN_URL, AUTH_ENABLED); empty for none.' },
      placeholderPattern: { type: 'string', default: '^(\\$\\([^)]*\\)|\\$\\{[^}]*\\}|<[^>]*>|\\{\\{.*\\}\\}|changeme|change[-_]me|replace[-_]?me|redacted|todo|x+|\\*+|true|false|yes|no|none|null)$', description: 'Regular expression (case-insensitive) of values that are no literal credential: references, placeholders, booleans.' },
    },
  },
  prepare(params) {
    for (const key of ['namePattern', 'exemptNamePattern', 'placeholderPattern']) {
      const source = params[key];
      if (typeof source !== 'string') continue;
      try {
        regex(source);
      } catch (err) {
        throw new Error(`${key} is not a valid regular expression: ${(err as Error).message}`);
      }
    }
  },
  check(pod, ctx) {
    const names = regex(ctx.params.namePattern);
    const exempt = ctx.params.exemptNamePattern === '' ? undefined : regex(ctx.params.exemptNamePattern);
    const placeholder = regex(ctx.params.placeholderPattern);
    const out: Violation[] = [];
    for (const c of containersOf(pod.spec)) {
      asArray(c.container.env).forEach((e, i) => {
        if (!isRecord(e) || typeof e.name !== 'string' || e.valueFrom !== undefined) return;
        const value = e.value;
        if (typeof value !== 'string' || value.trim() === '') return;
        if (!names.test(e.name) || exempt?.test(e.name) === true) return;
        if (placeholder.test(value.trim()) || (/\$\([A-Za-z_][A-Za-z0-9_]*\)/.test(value) && value.replace(/\$\([A-Za-z_][A-Za-z0-9_]*\)/g, '').trim() === '')) return;
        // No `value` on the violation: reports must never carry the credential.
        out.push({ path: [...c.path, 'env', i, 'value'], message: `container "${c.label}": environment variable ${JSON.stringify(e.name)} holds a literal credential; take it from a Secret` });
      });
    }
    return out;
  },
});
