#!/usr/bin/env node
/**
 * The command line: the composition root for every adapter. Each command lives in its own module
 * and registers itself on the program here.
 */
import { Command } from 'commander';
import { registerPolicyCommands } from './policy-commands.js';
import { registerScanCommand } from './scan-command.js';
import { registerConformanceCommand } from './conformance-command.js';
import { registerCatalogueCommand } from './catalogue-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerAuditCommand } from './audit-command.js';
import { registerControllerCommand } from './controller-command.js';
import { registerReportCommand } from './report-command.js';
import { registerExplainCommand } from './explain-command.js';
import { registerFixCommand } from './fix-command.js';
import { packageVersion } from './report-output.js';
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

registerScanCommand(program);
registerAuditCommand(program);
registerReportCommand(program);
registerPolicyCommands(program);
registerCatalogueCommand(program);
registerConformanceCommand(program);
registerServeCommand(program);
registerControllerCommand(program);
registerExplainCommand(program);
registerFixCommand(program);

// A usage error thrown by a command (a bad argument found after parsing) is one line and exit 2,
// never a stack trace. Commands that can fail otherwise set their own exit code.
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`kube-posture: ${errorMessage(err)}\n`);
  process.exitCode = 2;
}
