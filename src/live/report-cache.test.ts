import t from 'tap';
import { ReportCache } from './report-cache.js';
import type { ScanDocument } from '../reporters/scan-document.js';

const doc = (n: number) => ({ apiVersion: 'kube-posture.io/scan/v1', source: { type: 'cluster', name: `c${n}` }, generatedAt: new Date(0).toISOString(), tool: { name: 'kube-posture', version: '0' }, policySet: { profile: 'p', mode: 'enforce', pssVersion: 'v1.37', configDigest: `sha256:${'0'.repeat(64)}`, policies: [] }, summary: { objects: 0, denied: 0, exempt: 0, findings: { deny: 0, warn: 0, audit: 0 }, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, errors: 0 }, problems: [], objects: [], compliance: { frameworks: [], namespaces: [] } }) as ScanDocument;

t.test('built on request, kept until the results change, rebuilt at most once per interval', async (t) => {
  let clock = 0;
  let n = 0;
  let ready = false;
  const cache = new ReportCache({ build: () => (ready ? doc(++n) : undefined), minIntervalMs: 10_000, now: () => clock });
  t.equal(cache.json(), undefined, 'nothing whole to show yet');
  ready = true;
  t.match(cache.json(), /"name": "c1"/);
  t.match(cache.html(), /<title>kube-posture report: c1<\/title>/, 'the page of the same build');
  t.equal(cache.builds, 1);
  clock = 60_000;
  cache.json();
  t.equal(cache.builds, 1, 'unchanged results: no rebuild, however old');
  cache.changed();
  t.match(cache.json(), /"name": "c2"/, 'changed: rebuilt');
  cache.changed();
  clock += 5_000;
  t.match(cache.json(), /"name": "c2"/, 'changed again within the interval: the last build is served');
  clock += 5_000;
  t.match(cache.html(), /c3/, 'after the interval: rebuilt');
  t.equal(cache.builds, 3);
});
