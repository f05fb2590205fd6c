// The baseline for the webhook benchmark: Fastify over the same HTTPS settings, parsing the body and
// answering `allowed: true` with the request's uid. Whatever the webhook costs beyond this is ours.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

const { values } = parseArgs({ options: { cert: { type: 'string' }, key: { type: 'string' }, port: { type: 'string', default: '0' } } });
const app = Fastify({
  https: { cert: readFileSync(values.cert), key: readFileSync(values.key), minVersion: 'TLSv1.2' },
  bodyLimit: 8 * 1024 * 1024,
  keepAliveTimeout: 120_000,
});
app.post('/validate', async (request) => {
  const body = request.body;
  return { apiVersion: body?.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: body?.request?.uid ?? '', allowed: true } };
});
await app.listen({ host: '127.0.0.1', port: Number(values.port) });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
