/**
 * The controller's report on its ops port, through the real command's composition (`startController`)
 * against a real HTTP server speaking list and watch: `/report.json` is the saved scan of the results now
 * (valid against the schema), `/report` the same page `report` writes; both follow the cluster.
 */
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startController, type ControllerCommandOptions } from '../../src/cli/controller-command.js';
import { validateScanDocument } from '../../src/reporters/read-scan.js';
import { startFakeWatchApi } from '../helpers/fake-watch-api.js';

const pod = (name: string, privileged: boolean) => ({ metadata: { name, namespace: 'shop', uid: `p-${name}` }, spec: { containers: [{ name: 'c', image: 'app:1', ...(privileged ? { securityContext: { privileged: true } } : {}) }] } });

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('/report and /report.json: the saved scan of the results now, and its page', async (t) => {
  const fake = await startFakeWatchApi();
  fake.put('namespaces', { metadata: { name: 'shop', uid: 'ns-shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } });
  fake.put('pods', pod('loose', true));
  const dir = await mkdtemp(join(tmpdir(), 'kp-ctl-report-'));
  await writeFile(join(dir, 'config'), fake.kubeconfig);
  const opts: ControllerCommandOptions = {
    kubeconfig: join(dir, 'config'), profile: 'pss-baseline', policyDir: [], host: '127.0.0.1', opsPort: 0, reports: 'none', includePass: false, maxReports: 10, writeRate: 10,
    rescanInterval: 3600, leaderElect: false, leaseName: 'x', logLevel: 'silent', pageSize: 100, shutdownGrace: 1, reloadInterval: 0, reportAccess: 'local', reportInterval: 0,
  };
  const running = await startController(opts, {});
  t.teardown(async () => {
    await running.shutdown('test');
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  type Doc = { source: { type: string; name: string }; objects: { name: string; findings: { policyId: string }[] }[] };
  const json = async (): Promise<Doc | undefined> => {
    const r = await fetch(`${running.opsUrl}/report.json`);
    if (r.status === 503) return undefined;
    t.equal(r.status, 200);
    return (await r.json()) as Doc;
  };
  const first = await until('the first report', json);
  t.ok(validateScanDocument(first).ok, 'valid against the saved-scan schema');
  t.same(first.source, { type: 'cluster', name: 'fake-context' });
  t.ok(first.objects.find((o) => o.name === 'loose')?.findings.some((f) => f.policyId === 'pss-privileged'));

  const page = await fetch(`${running.opsUrl}/report`);
  t.equal(page.status, 200);
  t.match(page.headers.get('content-type'), /^text\/html/);
  t.match(page.headers.get('cache-control'), 'no-store');
  t.match(await page.text(), /<title>kube-posture report: fake-context<\/title>[\s\S]*id="kp-data"/);

  fake.put('pods', pod('another', true));
  await until('the new pod in the report', async () => ((await json())?.objects.some((o) => o.name === 'another') ? true : undefined));
  t.pass('the report follows the cluster');
});
