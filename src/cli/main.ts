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

const program = new Command();
program
  .name('kube-posture')
  .description('Kubernetes admission webhook and security posture scanner')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

registerScanCommand(program);
registerAuditCommand(program);
registerReportCommand(program);
registerPolicyCommands(program);
registerCatalogueCommand(program);
registerConformanceCommand(program);
registerServeCommand(program);
registerControllerCommand(program);

await program.parseAsync(process.argv);
