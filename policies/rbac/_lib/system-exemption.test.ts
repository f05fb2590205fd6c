/**
 * The system exemption shared by every RBAC policy: the control plane's own names and labels are
 * trusted in a scan, but in admission only when the control plane itself is the requester.
 */
import t from 'tap';
import { isControlPlaneRequester, isExemptRbacObject } from './system-exemption.js';

t.test('system exemption: names and labels, trusted only from the control plane in admission', async (t) => {
  const sys = { metadata: { name: 'system:controller:foo' } };
  const boot = { metadata: { name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } } };
  const mine = { metadata: { name: 'mine', namespace: 'team-a' } };
  const on = { exemptSystemRoles: true, systemExemptionRequiresControlPlane: true };
  t.ok(isExemptRbacObject(sys, on, undefined), 'manifest scan: the name is all there is');
  t.ok(isExemptRbacObject(boot, on, undefined));
  t.notOk(isExemptRbacObject(mine, on, undefined));
  t.notOk(isExemptRbacObject(sys, { ...on, exemptSystemRoles: false }, undefined));

  const alice = { username: 'alice', groups: ['system:authenticated'] };
  const sa = { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] };
  const apiserver = { username: 'system:apiserver', groups: ['system:authenticated'] };
  const admin = { username: 'kubernetes-admin', groups: ['system:masters'] };
  t.notOk(isExemptRbacObject(sys, on, alice), 'an ordinary user cannot escape by naming a role system:');
  t.notOk(isExemptRbacObject(boot, on, sa), 'nor by copying the bootstrapping label');
  t.ok(isExemptRbacObject(sys, on, apiserver));
  t.ok(isExemptRbacObject(boot, on, admin));
  t.ok(isExemptRbacObject(sys, { ...on, systemExemptionRequiresControlPlane: false }, alice));

  t.ok(isExemptRbacObject(mine, { exemptNames: ['mine'] }, alice));
  t.ok(isExemptRbacObject(mine, { exemptNames: ['team-a/mine'] }, alice));
  t.notOk(isExemptRbacObject(mine, { exemptNames: ['team-b/mine'] }, alice));

  t.notOk(isControlPlaneRequester({ username: 'system:anonymous' }));
  t.notOk(isControlPlaneRequester({ username: 'system:serviceaccount:kube-system:x' }));
  t.ok(isControlPlaneRequester({ username: 'system:kube-controller-manager' }));
  t.notOk(isControlPlaneRequester({ username: 'bob', groups: 'system:masters' as unknown as string[] }), 'malformed groups are no groups');
});
