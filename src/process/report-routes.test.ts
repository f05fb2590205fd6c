import t from 'tap';
import { fastify as Fastify } from 'fastify';
import { addReportRoutes, isLoopback, type ReportAccess } from './report-routes.js';

const app = (access: ReportAccess, ready = true) => {
  const a = Fastify();
  addReportRoutes(a as never, { html: () => (ready ? '<!doctype html>' : undefined), json: () => (ready ? '{}' : undefined) }, access);
  return a;
};

t.test('loopback addresses', async (t) => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) t.ok(isLoopback(a), a);
  for (const a of ['10.0.0.5', '::ffff:10.0.0.5', 'fe80::1', undefined]) t.notOk(isLoopback(a), String(a));
});

t.test('local: the pod (kubectl port-forward) gets the report, another client a 403', async (t) => {
  const a = app('local');
  t.teardown(() => a.close());
  const local = await a.inject({ url: '/report', remoteAddress: '127.0.0.1' });
  t.equal(local.statusCode, 200);
  t.match(local.headers['content-type'], /text\/html/);
  const other = await a.inject({ url: '/report.json', remoteAddress: '10.0.0.5' });
  t.equal(other.statusCode, 403);
  t.match(other.json(), { code: 'KP_ERR_HTTP_FORBIDDEN', message: /--report-access any/ });
});

t.test('any: every client; off: no route; not ready: 503', async (t) => {
  const any = app('any');
  const off = app('off');
  const early = app('local', false);
  t.teardown(async () => Promise.all([any.close(), off.close(), early.close()]));
  t.equal((await any.inject({ url: '/report.json', remoteAddress: '10.0.0.5' })).statusCode, 200);
  t.equal((await off.inject({ url: '/report', remoteAddress: '127.0.0.1' })).statusCode, 404);
  const r = await early.inject({ url: '/report', remoteAddress: '127.0.0.1' });
  t.equal(r.statusCode, 503);
  t.equal(r.headers['retry-after'], '5');
});
