import t from 'tap';
import type { ClusterRef, ObjectResult } from '../results/model.js';
import type { Finding } from '../core/types.js';
import { controllerOf, OwnerIndex, podSignature } from './owners.js';

const ref = (kind: string, apiVersion: string, name: string): ClusterRef => ({ apiVersion, kind, name, namespace: 'shop', uid: name, resourceVersion: '1' });
const f = (policyId: string, path: string, over: Partial<Finding> = {}): Finding => ({ kind: 'violation', policyId, title: '', severity: 'high', category: '', action: 'deny', message: '', path, remediation: '', controls: [], ...over });
const result = (r: ClusterRef, findings: Finding[], over: Partial<ObjectResult> = {}): ObjectResult => ({ ref: r, status: 'evaluated', policyExemptions: [], findings, verdict: { allowed: findings.length === 0, outcome: 'allowed', mode: 'enforce' }, ...over });
const owned = (kind: string, uid: string) => ({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Other', uid: 'x', name: 'x' }, { apiVersion: 'apps/v1', kind, name: uid, uid, controller: true }] } });

t.test('controllerOf: only the controller reference, with a well-formed uid', async (t) => {
  t.same(controllerOf(owned('ReplicaSet', 'r1')), { uid: 'r1', kind: { group: 'apps', kind: 'ReplicaSet' } });
  t.equal(controllerOf({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'X', uid: 'u', name: 'n' }] } }), undefined, 'not a controller');
  t.equal(controllerOf({ metadata: { ownerReferences: 'junk' } }), undefined);
  t.equal(controllerOf({}), undefined);
});

t.test('podSignature: the same finding in a template and in its pod is the same entry', async (t) => {
  const dep = podSignature(result(ref('Deployment', 'apps/v1', 'web'), [f('pss-privileged', 'spec.template.spec.containers[0].securityContext.privileged')]));
  const pod = podSignature(result(ref('Pod', 'v1', 'p'), [f('pss-privileged', 'spec.containers[0].securityContext.privileged')]));
  const cron = podSignature(result(ref('CronJob', 'batch/v1', 'c'), [f('pss-privileged', 'spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged')]));
  t.same([...pod], [...dep]);
  t.same([...cron], [...dep]);
});

t.test('OwnerIndex: rolls up when the owned object has nothing its owner lacks; counts by kind', async (t) => {
  const idx = new OwnerIndex();
  const dep = result(ref('Deployment', 'apps/v1', 'd1'), [f('pss-privileged', 'spec.template.spec.containers[0].securityContext.privileged')]);
  idx.remember('d1', dep);
  const rs = result(ref('ReplicaSet', 'apps/v1', 'r1'), [f('pss-privileged', 'spec.template.spec.containers[0].securityContext.privileged')]);
  t.ok(idx.rollsUp(owned('Deployment', 'd1'), rs), 'same finding: the ReplicaSet rolls up');
  idx.remember('r1', rs);
  const same = result(ref('Pod', 'v1', 'p1'), [f('pss-privileged', 'spec.containers[0].securityContext.privileged')]);
  t.ok(idx.rollsUp(owned('ReplicaSet', 'r1'), same));
  const clean = result(ref('Pod', 'v1', 'p2'), []);
  t.ok(idx.rollsUp(owned('ReplicaSet', 'r1'), clean), 'a pod with fewer findings than its template still rolls up');
  const extra = result(ref('Pod', 'v1', 'p3'), [f('pss-privileged', 'spec.containers[0].securityContext.privileged'), f('pss-host-namespaces', 'spec.hostNetwork')]);
  t.notOk(idx.rollsUp(owned('ReplicaSet', 'r1'), extra), 'a judged field the template does not have: reported itself');
  const warnInstead = result(ref('Pod', 'v1', 'p4'), [f('pss-privileged', 'spec.containers[0].securityContext.privileged', { action: 'warn' })]);
  t.notOk(idx.rollsUp(owned('ReplicaSet', 'r1'), warnInstead), 'a different action (namespace labels differ) is a difference');
  const exempt = result(ref('Pod', 'v1', 'p5'), [], { status: 'exempt', exemptBy: 'user x' });
  t.notOk(idx.rollsUp(owned('ReplicaSet', 'r1'), exempt), 'an exempt pod under a judged owner is reported itself');
  t.notOk(idx.rollsUp(owned('ReplicaSet', 'unknown'), same), 'an owner that was not evaluated (a custom controller): judged itself');
  t.same(Object.fromEntries(idx.rolledUp), { ReplicaSet: 1, Pod: 2 });
  idx.remember('svc', result(ref('Service', 'v1', 'svc'), []));
  t.equal(idx.size, 2, 'only pod-bearing kinds are remembered');
  idx.remember('p1', same);
  t.equal(idx.size, 2, 'a Pod controls nothing: not remembered (a scan of 70,000 pods keeps no signature for them)');
});
