/**
 * Serving certificate (and client CA) reload without a restart. cert-manager and kubelet rotate a
 * mounted Secret in place; the new pair is checked (key matches certificate) and installed with
 * `setSecureContext`: new handshakes get it, open connections keep theirs, nothing is dropped.
 */
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { errorMessage, KubePostureError } from '../core/errors.js';
import { watchTargets, type WatchHandle } from '../process/file-watch.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CA bundle that client certificates must chain to (`--client-ca`). */
  clientCaFile?: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** Settings every secure context gets (initial and reloaded). */
export const TLS_BASE: SecureContextOptions = { minVersion: 'TLSv1.2' };

/** Reads and checks the files: a key that does not match the certificate is an error, not a served context. */
export async function readTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  let material: TlsMaterial;
  try {
    const [cert, key, ca] = await Promise.all([readFile(files.certFile), readFile(files.keyFile), files.clientCaFile ? readFile(files.clientCaFile) : Promise.resolve(undefined)]);
    material = { cert, key, ...(ca ? { ca } : {}) };
  } catch (err) {
    throw new KubePostureError('KP_ERR_TLS', `cannot read TLS files: ${errorMessage(err)}`);
  }
  try {
    createSecureContext({ ...TLS_BASE, ...material });
  } catch (err) {
    throw new KubePostureError('KP_ERR_TLS', `TLS certificate, key or CA rejected: ${errorMessage(err)}`);
  }
  return material;
}

export interface SecureServer {
  setSecureContext(options: SecureContextOptions): void;
}

/** Watches the TLS files and installs every valid new pair; returns a handle to stop watching. */
export function startTlsReloader(server: SecureServer, files: TlsFiles, initial: TlsMaterial, options: { logger: Logger; onResult?: (ok: boolean) => void; debounceMs?: number; intervalMs?: number }): WatchHandle {
  let current = initial;
  const same = (a: TlsMaterial, b: TlsMaterial): boolean => a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca === undefined ? b.ca === undefined : b.ca !== undefined && a.ca.equals(b.ca));
  return watchTargets(
    { files: [files.certFile, files.keyFile, ...(files.clientCaFile ? [files.clientCaFile] : [])], dirs: [] },
    async (trigger) => {
      let next: TlsMaterial;
      try {
        next = await readTlsMaterial(files);
      } catch (err) {
        // Mid-rotation (certificate written, key not yet) or a broken Secret: keep serving the old pair.
        options.logger.warn({ err: errorMessage(err), trigger }, 'TLS files changed but are not usable; keeping the current certificate');
        options.onResult?.(false);
        return;
      }
      if (same(next, current)) return;
      server.setSecureContext({ ...TLS_BASE, ...next });
      current = next;
      options.logger.info({ trigger, certFile: files.certFile }, 'TLS certificate reloaded');
      options.onResult?.(true);
    },
    { logger: options.logger, ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}), ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}) },
  );
}
