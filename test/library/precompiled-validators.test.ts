/**
 * The validators compiled ahead (scripts/gen-validators.ts, src/generated/) are current, and each
 * built-in schema policy's precompiled validator answers exactly as the same schema compiled now, on
 * every object and sub-object of that policy's own fixtures (verdict and every error). A validator
 * that is stale would only be compiled again at run time; this keeps start-up from paying for that.
 * The precompiled quick checks (first failure only, no errors) agree with them on validity.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments, parse } from 'yaml';
import { GROUPS, groupText } from '../../scripts/gen-validators.js';
import { addPolicyKeywords, POLICY_AJV_OPTIONS, schemaKey } from '../../src/core/ajv-setup.js';
import { defaultsOf, policyValidator, precompiledQuickValidator, substituteParams } from '../../src/core/schema-policy.js';
import { validators as precompiled } from '../../src/generated/policy-validators.js';
import { BUILTIN_POLICY_DIR, findPolicyFiles } from '../../src/loader/load-policies.js';

t.test('every generated validator file is current (else: npm run gen:validators)', async (t) => {
  for (const group of GROUPS) t.ok(readFileSync(group.file, 'utf8') === await groupText(group), group.file);
});

/** The object, and every mapping inside it: containers, pod specs and templates are among them. */
function subjects(node: unknown, out: unknown[] = []): unknown[] {
  if (node === null || typeof node !== 'object') return out;
  if (!Array.isArray(node)) out.push(node);
  for (const v of Object.values(node)) subjects(v, out);
  return out;
}

t.test('precompiled policy validators answer as the same schemas compiled now, on every fixture', async (t) => {
  const fresh = addPolicyKeywords(new Ajv(POLICY_AJV_OPTIONS));
  const files = (await findPolicyFiles(BUILTIN_POLICY_DIR)).filter((f) => /\.(ya?ml|json)$/.test(f));
  t.ok(files.length >= 10, `${files.length} schema policies`);
  let compared = 0;
  let failing = 0;
  for (const file of files) {
    const doc = parse(readFileSync(file, 'utf8')) as { id: string; schema: Record<string, unknown>; parameters?: Record<string, unknown> };
    const schema = substituteParams(doc.schema, defaultsOf(doc.parameters)) as Record<string, unknown>;
    const ahead = precompiled.get(schemaKey(schema)) as ValidateFunction | undefined;
    if (ahead === undefined) {
      t.fail(`${doc.id}: no precompiled validator`);
      continue;
    }
    t.equal(policyValidator(schema), ahead, `${doc.id}: the precompiled validator is the one used`);
    const quick = precompiledQuickValidator(schemaKey(schema));
    if (quick === undefined) t.fail(`${doc.id}: no precompiled quick check`);
    const now = fresh.compile(schema);
    for (const kind of ['pass', 'fail']) {
      const dir = join(dirname(file), 'fixtures', kind);
      for (const name of readdirSync(dir)) {
        for (const d of parseAllDocuments(readFileSync(join(dir, name), 'utf8'))) {
          for (const data of subjects(d.toJS())) {
            const a = ahead(data);
            const b = now(data);
            if (a !== b || JSON.stringify(ahead.errors ?? null) !== JSON.stringify(now.errors ?? null)) {
              t.fail(`${doc.id} ${kind}/${name}: precompiled ${a} ${JSON.stringify(ahead.errors)}, compiled ${b} ${JSON.stringify(now.errors)}`);
            }
            // The quick check lets data skip the full validator only when it passes: it must agree on validity.
            if (quick !== undefined && quick(data) !== b) t.fail(`${doc.id} ${kind}/${name}: quick check ${!b}, full validator ${b}`);
            compared++;
            if (!b) failing++;
          }
        }
      }
    }
  }
  // Both verdicts occur, so the comparison covered error output too.
  t.ok(compared > 500 && failing > 10, `${compared} subjects compared, ${failing} failing`);
});

t.test('a schema not compiled ahead (a user policy, other parameters) is compiled now', async (t) => {
  const schema = { type: 'object', required: ['x'], errorMessage: 'x is required' };
  t.equal(precompiled.get(schemaKey(schema)), undefined);
  const validate = policyValidator(schema);
  t.equal(validate({}), false);
  t.equal(validate.errors?.[0]?.message, 'x is required');
  t.equal(validate({ x: 1 }), true);
});
