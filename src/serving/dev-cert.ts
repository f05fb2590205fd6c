/**
 * A self-signed development certificate for localhost, so `kube-posture serve` works out of the box.
 * Never for production: the chart mounts a real certificate (cert-manager or its own CA).
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface DevCertificate {
  certFile: string;
  keyFile: string;
  /** False when a still-valid certificate from an earlier run was reused. */
  created: boolean;
  validTo: string;
}

const NAMES = ['localhost'];
const IPS = ['127.0.0.1', '::1'];
const DAY_MS = 86_400_000;

/** Reuses `<dir>/tls.crt` + `tls.key` when valid for another week and for localhost; else writes new ones. */
export async function ensureDevCertificate(dir: string, now: Date = new Date()): Promise<DevCertificate> {
  const certFile = resolve(join(dir, 'tls.crt'));
  const keyFile = resolve(join(dir, 'tls.key'));
  try {
    const [cert] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    const x = new X509Certificate(cert);
    if (Date.parse(x.validTo) - now.getTime() > 7 * DAY_MS && x.checkHost('localhost') !== undefined && x.checkIP('127.0.0.1') !== undefined) {
      return { certFile, keyFile, created: false, validTo: x.validTo };
    }
  } catch {
    // absent or unreadable: generate below
  }
  const pems = await generateServerCertificate({ notBefore: now, days: 90 });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, pems.key, { mode: 0o600 });
  await writeFile(certFile, pems.cert, { mode: 0o644 });
  return { certFile, keyFile, created: true, validTo: new X509Certificate(pems.cert).validTo };
}

/** A server certificate for localhost / 127.0.0.1 / ::1, self-signed or signed by `ca`. Also used by tests. */
export async function generateServerCertificate(options: { notBefore?: Date; days?: number; ca?: { key: string; cert: string }; commonName?: string } = {}): Promise<{ cert: string; key: string }> {
  const notBeforeDate = options.notBefore ?? new Date();
  // Imported only when a certificate is made: selfsigned brings node-forge, over 10 MiB of RSS that a
  // server given real certificates should not carry.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: options.commonName ?? 'kube-posture development' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + (options.days ?? 90) * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...NAMES.map((value) => ({ type: 2 as const, value })), ...IPS.map((ip) => ({ type: 7 as const, ip }))] },
    ],
    ...(options.ca ? { ca: options.ca } : {}),
  });
  return { cert: pems.cert, key: pems.private };
}
