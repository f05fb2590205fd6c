/**
 * The SDK is the only door. A built-in policy may import from kube-posture only what a user policy
 * can (`kube-posture/policy`, src/sdk.ts), and its tests only that and the testing entry
 * (`kube-posture/policy/testing`, src/sdk-testing.ts); otherwise built-ins would use helpers that
 * user policies cannot, and the SDK would stop being the whole story. The other direction holds too:
 * the core never imports the library, which is loaded, not linked.
 *
 * Imports are found by parsing (static imports, `export ... from`, `import x = require()`, `import()`
 * calls and types, `require()`, triple-slash references), not by a regex that would miss some forms.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const POLICIES = join(ROOT, 'policies');
const SRC = join(ROOT, 'src');
const SDK = join(SRC, 'sdk');
const SDK_TESTING = join(SRC, 'sdk-testing');
const PACKAGE_SDK = 'kube-posture/policy';
const PACKAGE_SDK_TESTING = 'kube-posture/policy/testing';

interface FoundImport { specifier: string | undefined; line: number }

/** Every module a TypeScript source refers to; `specifier` is undefined where it is not a string literal. */
function importsOf(fileName: string, source: string): FoundImport[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: FoundImport[] = [];
  const add = (node: ts.Node, spec: ts.Node | undefined): void => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ specifier: spec !== undefined && ts.isStringLiteralLike(spec) ? spec.text : undefined, line });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression);
    else if (ts.isImportTypeNode(node)) add(node, ts.isLiteralTypeNode(node.argument) ? node.argument.literal : undefined);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) add(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  for (const ref of sf.referencedFiles) out.push({ specifier: ref.fileName, line: sf.getLineAndCharacterOfPosition(ref.pos).line + 1 });
  return out;
}

const withoutExtension = (path: string): string => path.replace(/\.(?:[cm]?[jt]s|tsx)$/, '');
const inside = (path: string, dir: string): boolean => path.startsWith(dir + sep);

/**
 * Why `specifier`, imported by the policies/ file `file`, goes around the SDK; undefined when it is
 * allowed. Policy modules are pure, so they may not reach packages or Node builtins either; tests may.
 */
function verdict(file: string, specifier: string): string | undefined {
  const isTest = file.endsWith('.test.ts');
  const entries = isTest ? 'kube-posture/policy or kube-posture/policy/testing' : 'kube-posture/policy';
  const relativeOrFile = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
  if (!relativeOrFile) {
    if (specifier === PACKAGE_SDK || (isTest && specifier === PACKAGE_SDK_TESTING)) return undefined;
    if (specifier === 'kube-posture' || specifier.startsWith('kube-posture/')) return `kube-posture is imported only through ${entries}`;
    return isTest ? undefined : 'a policy module is pure: packages and Node builtins come only through kube-posture/policy';
  }
  const target = withoutExtension(specifier.startsWith('file:') ? fileURLToPath(specifier) : resolve(dirname(file), specifier));
  if (target === SDK || (isTest && target === SDK_TESTING)) return undefined;
  if (inside(target, POLICIES)) return undefined;
  if (target === SDK_TESTING) return 'the testing entry reads files: only *.test.ts may import it';
  return `outside policies/, import only ${entries} (src/sdk.ts${isTest ? ', src/sdk-testing.ts' : ''})`;
}

/** Every import of a policies/ file that goes around the SDK, as `file:line imports "x": why`. */
function boundaryViolations(file: string, source: string): string[] {
  const out: string[] = [];
  for (const { specifier, line } of importsOf(file, source)) {
    const why = specifier === undefined ? 'the module is not a string literal, so the boundary cannot be checked' : verdict(file, specifier);
    if (why !== undefined) out.push(`${relative(ROOT, file)}:${line} imports ${JSON.stringify(specifier ?? '(computed)')}: ${why}`);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(path);
    return e.isFile() && e.name.endsWith('.ts') ? [path] : [];
  });
}

t.test('every file under policies/ imports kube-posture only through the SDK', async (t) => {
  const files = tsFiles(POLICIES);
  const tests = files.filter((f) => f.endsWith('.test.ts'));
  // Not vacuous: the whole library was read, including shared code and tests (71 files when written).
  t.ok(files.length >= 60, `${files.length} files checked`);
  t.ok(tests.length >= 5, `${tests.length} of them tests`);
  for (const known of ['rbac/_lib/rule-policy.ts', 'pod-security/pss-common.ts', 'network/netpol-no-metadata-egress/policy.ts']) {
    t.ok(files.includes(join(POLICIES, known)), `${known} is among them`);
  }
  const imports = files.reduce((n, f) => n + importsOf(f, readFileSync(f, 'utf8')).length, 0);
  t.ok(imports >= files.length, `${imports} imports inspected`);
  t.same(files.flatMap((f) => boundaryViolations(f, readFileSync(f, 'utf8'))), []);
});

t.test('the core never imports the policy library', async (t) => {
  const files = tsFiles(SRC);
  t.ok(files.length >= 50, `${files.length} files checked`);
  const bad = files.flatMap((f) => importsOf(f, readFileSync(f, 'utf8'))
    .filter((i) => i.specifier !== undefined && i.specifier.startsWith('.') && inside(resolve(dirname(f), i.specifier), POLICIES))
    .map((i) => `${relative(ROOT, f)}:${i.line} imports ${JSON.stringify(i.specifier)}`));
  t.same(bad, []);
});

t.test('the checker flags every way around the SDK', async (t) => {
  const policy = join(POLICIES, 'rbac', 'some-policy', 'policy.ts');
  const test = join(POLICIES, 'rbac', '_lib', 'some.test.ts');
  const flagged = (file: string, source: string): string[] => boundaryViolations(file, source);

  const clean = [
    "import { defineObjectPolicy, rulesOf, type Violation } from '../../../src/sdk.js';",
    "import { RIGHTS } from '../_lib/rights.js';",
    "export { describeGrants } from '../_lib/rule-policy.js';",
    "import { containersOf } from 'kube-posture/policy';",
  ].join('\n');
  t.same(flagged(policy, clean), [], 'the SDK, siblings in policies/ and the package entry pass');
  t.same(flagged(test, `${clean}\nimport t from 'tap';\nimport { evaluate } from '../../../src/sdk-testing.js';\nimport { loadLibrary } from 'kube-posture/policy/testing';`), [], 'a test may use the testing entry and packages');

  const bad: [string, string, RegExp][] = [
    ["import { rulesOf } from '../../../src/core/subjects/rbac.js';", 'a static import', /^policies\/rbac\/some-policy\/policy\.ts:1 imports "\.\.\/\.\.\/\.\.\/src\/core\/subjects\/rbac\.js"/],
    ["import type { UserInfo } from '../../../src/core/types.js';", 'a type-only import', /src\/core\/types\.js/],
    ["export { matchesSelector } from '../../../src/core/selectors.js';", 'a re-export', /src\/core\/selectors\.js/],
    ["export * from '../../../src/core/safe.js';", 'export *', /src\/core\/safe\.js/],
    ["const m = await import('../../../src/loader/load-policies.js');", 'a dynamic import', /src\/loader\/load-policies\.js/],
    ["const name = '../../../src/core/engine.js';\nconst m = await import(name);", 'a computed dynamic import', /:2 imports "\(computed\)": the module is not a string literal/],
    ["let x: import('../../../src/core/engine.js').EngineResult;", 'an import type', /src\/core\/engine\.js/],
    ["import fs = require('../../../src/core/errors.js');", 'import = require', /src\/core\/errors\.js/],
    ["const r = require('../../../src/core/errors.js');", 'require()', /src\/core\/errors\.js/],
    ['/// <reference path="../../../src/core/k8s.ts" />', 'a triple-slash reference', /src\/core\/k8s\.ts/],
    ["import { evaluate } from '../../../src/sdk-testing.js';", 'the testing entry from a policy module', /only \*\.test\.ts may import it/],
    ["import { loadLibrary } from 'kube-posture/policy/testing';", 'the testing package entry from a policy module', /kube-posture is imported only through kube-posture\/policy$/],
    ["import { x } from 'kube-posture/src/core/engine.js';", 'a deep package import', /kube-posture is imported only/],
    ["import { readFileSync } from 'node:fs';", 'a Node builtin in a policy module', /a policy module is pure/],
    ["import helper from '../../../test/helpers/policies.js';", 'a file outside src/ and policies/', /test\/helpers\/policies\.js/],
  ];
  for (const [source, what, message] of bad) {
    const found = flagged(policy, source);
    t.equal(found.length, 1, `${what} is flagged`);
    t.match(found[0] ?? '', message, what);
  }
  t.match(flagged(test, "import { evaluate } from '../../../src/core/engine.js';"), [/src\/core\/engine\.js.*src\/sdk-testing\.ts/], 'tests too are held to the entries');
});
