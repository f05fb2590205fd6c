/**
 * kube-posture.io/ignore over real HTTPS: the webhook honours an object's suppression only where the
 * configuration allows (never a deny-level policy by default), and always says what it did.
 */
import t from 'tap';
import { request as httpsRequest } from 'node:https';
import { generateServerCertificate } from '../../src/serving/dev-cert.js';
import { TLS_BASE } from '../../src/serving/tls-reloader.js';
import { harness, loadReview } from './fixtures/harness.js';
import { parseConfig } from '../../src/config/load-config.js';

function review(annotations: Record<string, string>): Record<string, any> {
  const r = loadReview('pod-create-privileged.json');
  r.request.object.metadata.annotations = annotations;
  // An untagged image: the warn-level test-image-tag policy fires too.
  r.request.object.spec.containers[0].image = 'busybox';
  return r;
}

async function serve(t: { teardown(fn: () => unknown): void }, config: string): Promise<(body: unknown) => Promise<Record<string, any>>> {
  const pair = await generateServerCertificate();
  const h = await harness({ config, server: { https: { ...TLS_BASE, cert: pair.cert, key: pair.key } } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => h.app.close());
  const port = (h.app.server.address() as { port: number }).port;
  return (body) => new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/validate?timeout=10s', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, ca: pair.cert, servername: 'localhost', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve((JSON.parse(Buffer.concat(chunks).toString()) as { response: Record<string, any> }).response));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const ignoreBoth = { 'kube-posture.io/ignore': 'test-no-privileged,test-image-tag', 'kube-posture.io/ignore-reason': 'debug pod, INC-42' };

t.test('default: a warn-level policy is exempt with its reason; a deny-level one still denies and says why', async (t) => {
  const post = await serve(t, 'profile: all');
  const plain = await post(review({}));
  t.equal(plain.allowed, false);
  t.ok((plain.warnings as string[]).some((w) => w.startsWith('[test-image-tag]')), 'without the annotation the image warning is given');
  const res = await post(review(ignoreBoth));
  t.equal(res.allowed, false, 'the deny-level policy is not switched off by the object');
  t.match(res.status.message, /\[test-no-privileged\] .*kube-posture\.io\/ignore not honoured for a deny-level policy/);
  t.ok((res.warnings as string[]).includes('exempt by annotation: [test-image-tag] debug pod, INC-42'), 'the exemption is reported, with the reason');
  t.notOk((res.warnings as string[]).some((w) => w.startsWith('[test-image-tag]')), 'and its warning is gone');
});

t.test('allow: all lets the object switch off a deny; without a reason nothing is honoured', async (t) => {
  const post = await serve(t, 'profile: all\nignoreAnnotations: { allow: all }');
  const res = await post(review(ignoreBoth));
  t.equal(res.allowed, true);
  t.ok((res.warnings as string[]).includes('exempt by annotation: [test-no-privileged] debug pod, INC-42'));
  const noReason = await post(review({ 'kube-posture.io/ignore': 'test-no-privileged' }));
  t.equal(noReason.allowed, false);
  t.match(noReason.status.message, /not honoured: no kube-posture\.io\/ignore-reason annotation/);
});

t.test('allow: none honours nothing; an unknown setting is a configuration error', async (t) => {
  const post = await serve(t, 'profile: all\nignoreAnnotations: { allow: none }');
  const res = await post(review(ignoreBoth));
  t.equal(res.allowed, false);
  t.ok((res.warnings as string[]).some((w) => w.startsWith('[test-image-tag]') && w.includes('not honoured')));
  t.throws(() => parseConfig('ignoreAnnotations: { allow: deny-too }\n'), { code: 'KP_ERR_CONFIG_INVALID' });
});
