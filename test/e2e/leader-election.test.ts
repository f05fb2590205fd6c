// Leader election against a real kube-apiserver: two electors on one Lease, as the controller's two
// replicas would be. Short durations (lease 3 s, renew 2 s, retry 0.5 s) keep the scenario quick; the
// assertions are about who leads and what the Lease says, with generous bounds on waiting.
import t from 'tap';
import { createNamespace, startCluster } from './harness/cluster.js';
import { apiClientFor } from '../../src/cluster/api.js';
import { kubeAccessFromFile } from '../../src/cluster/kubeconfig.js';
import { LeaderElector, type LeaderElectorOptions } from '../../src/cluster/leader-election.js';

const cluster = await startCluster();
t.teardown(() => cluster.stop());

const kc = kubeAccessFromFile(cluster.kubeconfig);

const TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

function elector(namespace: string, identity: string, extra: Partial<LeaderElectorOptions> = {}): LeaderElector {
  // A request timeout under the renew deadline, so a stuck call cannot outlive a term by much.
  return new LeaderElector(apiClientFor(kc, { timeoutMs: 2_000 }), { namespace, name: 'kube-posture-controller', identity, ...TIMING, ...extra });
}

async function lease(namespace: string): Promise<{ holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number; renewTime?: string }> {
  const r = await cluster.kubectl(['get', 'lease', 'kube-posture-controller', '-n', namespace, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as { spec: Record<string, never> }).spec;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms\n${cluster.logs(20)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('two replicas: one leads; when it stops without releasing, the other takes over after the lease expires', async (t) => {
  await createNamespace(cluster, 'election');
  const started: string[] = [];
  const a = elector('election', 'replica-a', { onStartedLeading: () => void started.push('replica-a') });
  const b = elector('election', 'replica-b', { onStartedLeading: () => void started.push('replica-b') });
  t.teardown(() => Promise.all([a.stop(), b.stop()]));
  a.start();
  b.start();
  await waitFor('a leader', () => a.isLeader() || b.isLeader());
  // Several renewals later, still exactly one.
  await new Promise((r) => setTimeout(r, 2_000));
  t.equal([a.isLeader(), b.isLeader()].filter(Boolean).length, 1, 'exactly one leads');
  const [leader, other] = a.isLeader() ? [a, b] : [b, a];
  t.same(started, [leader.identity]);
  const held = await lease('election');
  t.match(held, { holderIdentity: leader.identity, leaseDurationSeconds: 3 });
  t.match(held.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'renewTime is a MicroTime the API server accepted');
  t.equal(other.leader(), leader.identity, 'the other sees who leads');

  const stoppedAt = Date.now();
  await leader.stop();
  t.equal(leader.isLeader(), false);
  await waitFor('the other replica leads', () => other.isLeader());
  const waited = Date.now() - stoppedAt;
  t.ok(waited >= 1_000, `it waited for the lease to expire (${waited} ms), not taking over at once`);
  t.same(started, [leader.identity, other.identity]);
  await waitFor('the Lease names the new leader', async () => (await lease('election')).holderIdentity === other.identity);
  t.equal((await lease('election')).leaseTransitions, 1, 'one transition between holders');
  t.equal(leader.isLeader(), false, 'the stopped one does not come back');
});

t.test('stop({release: true}) hands the lease over at once', async (t) => {
  await createNamespace(cluster, 'election-release');
  const a = elector('election-release', 'replica-a');
  t.teardown(() => a.stop());
  a.start();
  await waitFor('replica-a leads', () => a.isLeader());
  await a.stop({ release: true });
  t.match(await lease('election-release'), { holderIdentity: '', leaseDurationSeconds: 1 });

  // A fresh replica has never seen the lease change: only the empty holder lets it lead on its first attempt.
  const api = apiClientFor(kc, { timeoutMs: 2_000 });
  const calls: string[] = [];
  const counted = { ...api, getJson: (path: string) => (calls.push('GET'), api.getJson(path)), request: (...args: Parameters<typeof api.request>) => (calls.push(args[0]), api.request(...args)) };
  let callsWhenLeading: string[] = [];
  const b = new LeaderElector(counted, { namespace: 'election-release', name: 'kube-posture-controller', identity: 'replica-b', ...TIMING, onStartedLeading: () => void (callsWhenLeading = [...calls]) });
  t.teardown(() => b.stop());
  b.start();
  await waitFor('replica-b leads', () => b.isLeader(), 10_000);
  t.same(callsWhenLeading, ['GET', 'PUT'], 'one read, one write: it did not wait for the released lease to expire');
  t.match(await lease('election-release'), { holderIdentity: 'replica-b', leaseTransitions: 1, leaseDurationSeconds: 3 });
});
