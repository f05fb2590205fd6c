import t from 'tap';
import {
  aggregationSelectorsOf, apiGroupMatches, findGrants, grantsOf, resourceMatches,
  rulesOf, serviceAccountOf, subjectsOf, verbMatches, type Permission,
} from './rbac.js';
import { matchesSelector } from '../selectors.js';

const role = (rules: unknown) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules });

t.test('verbs and API groups: exact or "*"', async (t) => {
  t.ok(verbMatches('*', 'escalate'));
  t.ok(verbMatches('get', 'get'));
  t.notOk(verbMatches('Get', 'get'), 'verbs are case-sensitive');
  t.notOk(verbMatches('get*', 'get'), 'only a lone "*" is a wildcard');
  t.ok(apiGroupMatches('', ''), 'core group is the empty string');
  t.notOk(apiGroupMatches('', 'apps'));
  t.notOk(apiGroupMatches('core', ''), '"core" is not the core group');
  t.ok(apiGroupMatches('*', 'rbac.authorization.k8s.io'));
});

t.test('resources follow the RBAC authorizer', async (t) => {
  t.ok(resourceMatches('*', 'pods'));
  t.ok(resourceMatches('*', 'pods/exec'), '"*" includes subresources');
  t.ok(resourceMatches('pods/exec', 'pods/exec'));
  t.notOk(resourceMatches('pods', 'pods/exec'), 'a resource does not include its subresources');
  t.ok(resourceMatches('*/exec', 'pods/exec'), '"*/sub" matches that subresource of any resource');
  t.notOk(resourceMatches('*/exec', 'pods'), '"*/sub" does not match the resource itself');
  t.notOk(resourceMatches('pods/*', 'pods/exec'), '"pods/*" is not a wildcard in RBAC');
  t.notOk(resourceMatches('*/log', 'pods/exec'));
  // Our own notation for an open family of subresources.
  t.ok(resourceMatches('userextras/scopes', 'userextras/*'));
  t.ok(resourceMatches('*/scopes', 'userextras/*'));
  t.notOk(resourceMatches('userextras', 'userextras/*'));
  t.notOk(resourceMatches('*/', 'userextras/*'));
});

t.test('grantsOf finds the entries that grant a permission', async (t) => {
  const secrets: Permission = { group: '', resources: ['secrets'], verbs: ['get', 'list', 'watch'] };
  const [rule] = rulesOf(role([{ apiGroups: ['apps', ''], resources: ['configmaps', 'secrets'], verbs: ['list', 'get'] }]));
  const grants = grantsOf(rule!, secrets);
  t.same(grants.map((g) => [g.grantedVerb, g.verb.index, g.resource.index, g.apiGroup.index]), [['get', 1, 1, 1], ['list', 0, 1, 1]]);

  const [wild] = rulesOf(role([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]));
  t.equal(grantsOf(wild!, secrets).length, 3, 'a full wildcard grants every requested verb');
  t.ok(grantsOf(wild!, secrets).every((g) => g.verb.value === '*' && g.resource.value === '*'));

  const [other] = rulesOf(role([{ apiGroups: ['example.com'], resources: ['secrets'], verbs: ['get'] }]));
  t.same(grantsOf(other!, secrets), [], 'secrets in another API group are not core Secrets');

  const [named] = rulesOf(role([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['tls'] }]));
  t.equal(grantsOf(named!, secrets)[0]?.named, true);

  const anyVerb: Permission = { group: '', resources: ['nodes/proxy'] };
  const [proxy] = rulesOf(role([{ apiGroups: [''], resources: ['nodes', 'nodes/proxy'], verbs: ['watch'] }]));
  t.same(grantsOf(proxy!, anyVerb).map((g) => [g.verb.value, g.resource.index]), [['watch', 1]], 'undefined verbs means any verb');
  const [noVerbs] = rulesOf(role([{ apiGroups: [''], resources: ['nodes/proxy'], verbs: [] }]));
  t.same(grantsOf(noVerbs!, anyVerb), [], 'a rule with no verbs grants nothing');

  const extras: Permission = { group: 'authentication.k8s.io', resources: ['userextras/*'], verbs: ['impersonate'] };
  const [ex] = rulesOf(role([{ apiGroups: ['authentication.k8s.io'], resources: ['uids', 'userextras/scopes'], verbs: ['impersonate'] }]));
  t.same(grantsOf(ex!, extras).map((g) => [g.grantedResource, g.resource.index]), [['userextras/scopes', 1]], 'an open family reports the rule entry');
  const [exWild] = rulesOf(role([{ apiGroups: ['*'], resources: ['*'], verbs: ['impersonate'] }]));
  t.equal(grantsOf(exWild!, extras)[0]?.grantedResource, 'userextras/*', 'a wildcard grants the whole family');

  const [urls] = rulesOf(role([{ nonResourceURLs: ['*'], verbs: ['*'] }]));
  t.same(grantsOf(urls!, secrets), [], 'non-resource rules grant no resources');
});

t.test('malformed rules keep positions and never throw', async (t) => {
  const rules = rulesOf(role([null, 'x', { apiGroups: [1, ''], resources: 'secrets', verbs: [{}, 'get'] }, { apiGroups: [''], resources: ['secrets', 7, 'pods'], verbs: ['get'] }]));
  t.equal(rules.length, 2);
  t.same(rules[0]!.path, ['rules', 2]);
  t.same(rules[0]!.verbs, [{ value: 'get', index: 1 }]);
  t.same(rules[0]!.resources, [], 'a string where a list belongs is no list');
  t.same(rules[1]!.resources.map((r) => r.index), [0, 2]);
  const grants = findGrants(rules, [{ group: '', resources: ['pods'], verbs: ['get'] }]);
  t.same(grants.map((g) => g.resource.index), [2]);
  for (const odd of [undefined, null, 1, 'x', [], { rules: 'x' }, { rules: [[]] }]) t.same(rulesOf(odd), []);
});

t.test('binding subjects', async (t) => {
  const rb = { kind: 'RoleBinding', metadata: { namespace: 'ns1' }, subjects: [{ kind: 'ServiceAccount', name: 'default' }, { kind: 'User', name: 'system:serviceaccount:ns2:builder' }, { kind: 'User', name: 'system:serviceaccount:broken' }, 5] };
  const subjects = subjectsOf(rb);
  t.equal(subjects.length, 3);
  t.same(serviceAccountOf(subjects[0]!), { namespace: 'ns1', name: 'default' }, 'a RoleBinding SA without namespace is in the binding namespace');
  t.same(serviceAccountOf(subjects[1]!), { namespace: 'ns2', name: 'builder' }, 'the SA user name is the SA');
  t.equal(serviceAccountOf(subjects[2]!), undefined);
  const crb = { kind: 'ClusterRoleBinding', subjects: [{ kind: 'ServiceAccount', name: 'default' }] };
  t.equal(subjectsOf(crb)[0]!.namespace, '', 'a ClusterRoleBinding has no namespace to default to');
});

t.test('aggregation selectors are sanitised and keep Kubernetes semantics', async (t) => {
  const sels = aggregationSelectorsOf({
    aggregationRule: {
      clusterRoleSelectors: [
        {},
        { matchLabels: { a: 'true', b: 1 } },
        { matchExpressions: [{ key: 'x', operator: 'Bogus' }] },
        { matchExpressions: 'nope' },
        'junk',
      ],
    },
  });
  t.equal(sels.length, 4);
  t.ok(matchesSelector(sels[0]!.selector, {}), 'empty selector matches everything');
  t.same(sels[1]!.selector.matchLabels, { a: 'true' }, 'non-string label values are dropped');
  t.notOk(matchesSelector(sels[2]!.selector, { x: 'y' }), 'a malformed requirement matches nothing');
  t.ok(matchesSelector(sels[3]!.selector, {}), 'a malformed expression list is no list');
  t.same(sels[2]!.path, ['aggregationRule', 'clusterRoleSelectors', 2]);
});
