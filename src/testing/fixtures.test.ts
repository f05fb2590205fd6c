/**
 * The fixture reader and runner: `fixture.userInfo` reaches the evaluation as the requester, and a
 * fixture block that would silently change meaning (malformed userInfo, unknown key, bad operation)
 * is reported instead of run.
 */
import t, { type Test } from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLibrary } from '../loader/load-policies.js';
import { parseUserInfo, readFixtures, runFixture, type FixtureCase } from './fixtures.js';

const RBAC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../policies/rbac');

/** A policy folder holding only fixtures, in a temporary directory. */
async function fixtureFolder(t: Test, files: { pass?: string; fail?: string }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-posture-fixtures-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const kind of ['pass', 'fail'] as const) {
    await mkdir(join(dir, 'fixtures', kind), { recursive: true });
    const text = files[kind];
    if (text !== undefined) await writeFile(join(dir, 'fixtures', kind, 'cases.yaml'), text);
  }
  return join(dir, 'policy.yaml');
}

const ROLE = `
object:
  apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: { name: "system:sneaky" }
  rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]
`;

t.test('userInfo is read into the case', async (t) => {
  const file = await fixtureFolder(t, {
    pass: `fixture:\n  userInfo: { username: system:apiserver, groups: [system:authenticated] }\n${ROLE}`,
    fail: `fixture:\n  userInfo: { username: alice, uid: "42", groups: [system:authenticated], extra: { scopes: [a, b] } }\n${ROLE}---\nfixture: { expectPaths: ['rules[0].verbs[0]'] }\n${ROLE}`,
  });
  const { cases, problems } = await readFixtures(file);
  t.same(problems, []);
  t.same(cases.map((c) => c.userInfo), [
    { username: 'system:apiserver', groups: ['system:authenticated'] },
    { username: 'alice', uid: '42', groups: ['system:authenticated'], extra: { scopes: ['a', 'b'] } },
    undefined,
  ]);
});

t.test('a malformed fixture block is reported, not run', async (t) => {
  const bad: Record<string, [string, RegExp]> = {
    'userInfo not a mapping': ['userInfo: alice', /fixture\.userInfo must be a mapping/],
    'username not a string': ['userInfo: { username: 5 }', /fixture\.userInfo\.username must be a string/],
    'groups not a list': ['userInfo: { username: alice, groups: system:masters }', /fixture\.userInfo\.groups must be a list of strings/],
    'a group not a string': ['userInfo: { username: alice, groups: [system:masters, 5] }', /fixture\.userInfo\.groups must be a list of strings/],
    'extra not lists': ['userInfo: { username: alice, extra: { scopes: a } }', /fixture\.userInfo\.extra must map keys to lists of strings/],
    'unknown userInfo key': ['userInfo: { user: alice }', /fixture\.userInfo: unknown key "user"/],
    'misspelt userInfo': ['userinfo: { username: alice }', /fixture: unknown key "userinfo"/],
    'unknown operation': ['operation: update', /fixture\.operation must be one of CREATE, UPDATE, DELETE, CONNECT/],
  };
  for (const [name, [block, expected]] of Object.entries(bad)) {
    const file = await fixtureFolder(t, { pass: `# ok\n${ROLE}`, fail: `fixture:\n  ${block}\n${ROLE}` });
    const { cases, problems } = await readFixtures(file);
    t.equal(cases.filter((c) => c.expect === 'fail').length, 0, `${name}: the case is not run`);
    t.ok(problems.some((p) => p.includes('cases.yaml#0: ') && expected.test(p)), `${name}: reported with file and document (${problems.join(' | ')})`);
  }
});

t.test('parseUserInfo keeps only the fields given', async (t) => {
  t.same(parseUserInfo({ username: 'alice' }), { userInfo: { username: 'alice' } });
  t.same(parseUserInfo({}), { userInfo: {} });
  t.ok('problem' in parseUserInfo(null));
  t.ok('problem' in parseUserInfo(['alice']));
});

t.test('the runner evaluates with the requester: the RBAC system: exemption depends on it', async (t) => {
  const { registry, problems } = await loadLibrary({ builtinDir: RBAC_DIR });
  t.same(problems, []);
  const registered = registry.policies.get('rbac-no-wildcard-verbs')!;
  const object = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:sneaky' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] };
  const fixture = (expect: 'pass' | 'fail', userInfo?: FixtureCase['userInfo']): FixtureCase => ({ file: 'inline', index: 0, expect, object, ...(userInfo ? { userInfo } : {}) });

  const byUser = runFixture(registered, registry, fixture('fail', { username: 'alice', groups: ['system:authenticated'] }));
  t.ok(byUser.ok, `created by an ordinary user: flagged (${byUser.reason ?? ''})`);
  t.same(byUser.findings.map((f) => f.path), ['rules[0].verbs[0]']);
  const byServiceAccount = runFixture(registered, registry, fixture('fail', { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] }));
  t.ok(byServiceAccount.ok, 'created by a service account: flagged');
  const byControlPlane = runFixture(registered, registry, fixture('pass', { username: 'system:apiserver', groups: ['system:authenticated'] }));
  t.ok(byControlPlane.ok, `created by the control plane: exempt (${byControlPlane.reason ?? ''})`);
  const noRequester = runFixture(registered, registry, fixture('fail'));
  t.notOk(noRequester.ok, 'without userInfo (a scan) the system: name exempts it, so a fail case does not hold');
});

t.test('cluster policies: a file is one case whose documents are the view; expectObjects is exact', async (t) => {
  const { registry } = await loadLibrary({ builtinDir: RBAC_DIR });
  const registered = registry.policies.get('rbac-binding-role-missing')!;
  const binding = (name: string, role: string) => `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: ${name} }\nroleRef: { kind: ClusterRole, name: ${role} }\nsubjects: [{ kind: User, name: alice }]\n`;
  const file = await fixtureFolder(t, {
    pass: `${binding('ok', 'view')}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: mine }\n---\n${binding('mine', 'mine')}`,
    fail: `fixture:\n  expectObjects: [ClusterRoleBinding/a]\n---\n${binding('a', 'gone')}---\n${binding('b', 'also-gone')}`,
  });
  const { cases, problems } = await readFixtures(file, 'cluster');
  t.same(problems, []);
  t.same(cases.map((c) => [c.expect, c.view?.length, c.expectObjects]), [['pass', 3, undefined], ['fail', 2, ['ClusterRoleBinding/a']]]);
  t.equal(runFixture(registered, registry, cases[0]!).ok, true, 'every object of the file is in one view');
  const fail = runFixture(registered, registry, cases[1]!);
  t.equal(fail.ok, false);
  t.match(fail.reason, /expected findings about ClusterRoleBinding\/a; got ClusterRoleBinding\/a, ClusterRoleBinding\/b/);

  const bad = await fixtureFolder(t, { pass: binding('x', 'view'), fail: `fixture:\n  expectPaths: [x]\n  parameters: {}\n---\n${binding('y', 'gone')}` });
  const read = await readFixtures(bad, 'cluster');
  t.match(read.problems, [/fixture: unknown key "expectPaths" \(known: version, parameters, expectObjects/]);
  t.same(read.cases.map((c) => c.expect), ['pass'], 'a malformed case is reported, not run');
});

t.test('fixtures are read with scan\'s YAML reader: what scan refuses is a problem here too, with its line', async (t) => {
  const file = await fixtureFolder(t, {
    pass: `${ROLE}---\nobject:\n  apiVersion: v1\n  kind: Pod\n  metadata: { name: a }\n  metadata: { name: b }\n`,
    fail: `object: !custom\n  apiVersion: v1\n  kind: Pod\n`,
  });
  const { problems } = await readFixtures(file);
  t.match(problems, [/pass\/cases\.yaml:12: duplicate mapping key/, /no pass fixtures/, /fail\/cases\.yaml:1: Unresolved tag: !custom/]);
});
