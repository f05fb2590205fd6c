#!/usr/bin/env node
/**
 * The command line: the composition root for every adapter. Each command lives in its own module
 * and registers itself on the program here.
 */
import { Command } from 'commander';
import { packageVersion } from '../package-paths.js';
import { errorMessage } from '../core/errors.js';

// A reader that goes away (`kube-posture policies list | head -1`) is not an error of ours: stop
// quietly, as other command-line tools do, instead of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
}

const program = new Command();
program
  .name('kube-posture')
  .description('Kubernetes admission webhook and security posture scanner')
  .version(packageVersion(), '-V, --version', 'print the version')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

// Each command's module (and what it imports: Fastify, the Kubernetes client, prom-client, ...) is loaded
// only when that command runs: a one-file `scan` in a pre-commit hook pays for the scanner alone. Help,
// --version and unknown commands load them all, in this order.
const COMMANDS: Record<string, () => Promise<(p: Command) => void>> = {
  scan: async () => (await import('./scan-command.js')).registerScanCommand,
  audit: async () => (await import('./audit-command.js')).registerAuditCommand,
  report: async () => (await import('./report-command.js')).registerReportCommand,
  policies: async () => (await import('./policy-commands.js')).registerPolicyCommands,
  catalogue: async () => (await import('./catalogue-command.js')).registerCatalogueCommand,
  conformance: async () => (await import('./conformance-command.js')).registerConformanceCommand,
  serve: async () => (await import('./serve-command.js')).registerServeCommand,
  controller: async () => (await import('./controller-command.js')).registerControllerCommand,
  explain: async () => (await import('./explain-command.js')).registerExplainCommand,
  fix: async () => (await import('./fix-command.js')).registerFixCommand,
};
/** Modules that add subcommands to another command's (`policies catalogue`). */
const ALSO: Record<string, string[]> = { policies: ['catalogue'] };
const named = process.argv[2];
const only = named !== undefined && Object.hasOwn(COMMANDS, named) && named !== 'catalogue' ? new Set([named, ...(ALSO[named] ?? [])]) : undefined;
for (const [name, load] of Object.entries(COMMANDS)) {
  if (only !== undefined && !only.has(name)) continue;
  (await load())(program);
}

// A usage error thrown by a command (a bad argument found after parsing) is one line and exit 2,
// never a stack trace. Commands that can fail otherwise set their own exit code.
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`kube-posture: ${errorMessage(err)}\n`);
  process.exitCode = 2;
}
