import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load-config.js';
import { buildPolicySet, type PolicySetOptions } from '../../src/runtime/policy-set.js';
import { PolicySetHolder } from '../../src/runtime/policy-holder.js';
import { createLogger } from '../../src/admission/logger.js';
import { createMetrics } from '../../src/admission/metrics.js';
import { buildServer, type ServerDeps, type ServerOptions } from '../../src/admission/server.js';
import { noNamespaceLabels, type NamespaceLabelSource } from '../../src/runtime/namespace-labels.js';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '..', 'fixtures');
export const TEST_POLICIES = join(FIXTURES, 'webhook-policies');
export const BAD_POLICIES = join(FIXTURES, 'webhook-bad-policies');

export function loadReview(name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(FIXTURES, 'reviews', name), 'utf8')) as Record<string, any>;
}

/** Log lines captured in memory, as raw text (to search for leaks) and parsed. */
export class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
  lines(): Record<string, any>[] {
    return this.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>);
  }
}

export interface Harness {
  app: ReturnType<typeof buildServer>;
  deps: ServerDeps;
  holder: PolicySetHolder;
  logs: LogCapture;
}

/** A server over the test policies (and optionally others), with captured logs and its own metrics. */
export async function harness(options: {
  config?: string;
  dirs?: string[];
  builtin?: boolean;
  namespaces?: NamespaceLabelSource;
  server?: ServerOptions;
  deps?: Partial<ServerDeps>;
  policySet?: PolicySetOptions;
} = {}): Promise<Harness> {
  const dirs = options.dirs ?? [TEST_POLICIES];
  const fc = parseConfig(`${options.config ?? 'profile: all'}\npolicyDirectories: ${JSON.stringify(dirs)}\n`);
  const set = await buildPolicySet(fc, { ...(options.builtin ? {} : { builtinDir: false }), ...options.policySet });
  const holder = new PolicySetHolder();
  holder.swap(set);
  const logs = new LogCapture();
  const deps: ServerDeps = {
    policies: holder,
    logger: createLogger({ level: 'debug', destination: logs }),
    metrics: createMetrics({ defaultMetrics: false }),
    namespaces: options.namespaces ?? noNamespaceLabels(),
    ...options.deps,
  };
  const app = buildServer(deps, options.server);
  return { app, deps, holder, logs };
}

export async function post(app: Harness['app'], body: unknown, url = '/validate?timeout=10s') {
  const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.statusCode, body: res.json() as Record<string, any>, headers: res.headers };
}
