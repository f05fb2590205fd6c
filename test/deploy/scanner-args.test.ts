/**
 * The chart and the command agree: the scanner's rendered arguments and environment are parsed by the
 * real `kube-posture controller` option definitions (unknown flags, bad choices and out-of-range numbers
 * fail here rather than in a crash-looping pod), with the values they were rendered from.
 */
import t from 'tap';
import { Command } from 'commander';
import { registerControllerCommand, type ControllerCommandOptions } from '../../src/cli/controller-command.js';
import { findHelm, renderChart, scannerObject } from './render.js';

if (!(await findHelm())) {
  t.fail('helm not found: npm test builds it first (its pretest script runs scripts/install-helm.sh)');
  process.exit(1);
}

type Container = { args: string[]; env: { name: string; value?: string }[] };

async function parse(values: unknown): Promise<ControllerCommandOptions> {
  const objects = await renderChart(values);
  const c = (scannerObject(objects, 'Deployment')!.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
  const program = new Command().exitOverride();
  registerControllerCommand(program);
  const cmd = program.commands.find((x) => x.name() === 'controller')!;
  cmd.exitOverride();
  let seen: ControllerCommandOptions | undefined;
  cmd.action((opts: ControllerCommandOptions) => {
    seen = opts;
  });
  // Plain values from the chart's env (downward-API ones are resolved by the kubelet, not here).
  const saved = { ...process.env };
  for (const e of c.env) if (e.value !== undefined) process.env[e.name] = e.value;
  try {
    await program.parseAsync(c.args, { from: 'user' });
  } finally {
    process.env = saved;
  }
  return seen!;
}

t.test('the default values parse as the controller expects them', async (t) => {
  const o = await parse({});
  t.equal(o.leaderElect, true);
  t.equal(o.opsPort, 8081);
  t.equal(o.reports, 'openreports');
  t.equal(o.maxReports, 10_000);
  t.equal(o.writeRate, 10);
  t.equal(o.rescanInterval, 3600);
  t.equal(o.includePass, false);
  t.match(o.leaseName, /scanner/);
  t.equal(o.config, '/etc/kube-posture/config/config.yaml');
  t.equal(o.reportAccess, 'local', 'the HTML report only through port-forward by default');
  t.equal(o.reportInterval, 10);
});

t.test('the HTML report settings reach the controller', async (t) => {
  const o = await parse({ scanner: { htmlReport: { access: 'off', interval: 60 } } });
  t.equal(o.reportAccess, 'off');
  t.equal(o.reportInterval, 60);
  await t.rejects(renderChart({ scanner: { htmlReport: { access: 'public' } } }), /access/, 'the schema refuses other values');
});

t.test('every report setting reaches the controller', async (t) => {
  const o = await parse({ scanner: { reports: { format: 'wgpolicy', includePass: true, maxReports: 5, writeRate: 3 }, rescanInterval: 600, logLevel: 'debug' } });
  t.equal(o.reports, 'wgpolicy');
  t.equal(o.includePass, true);
  t.equal(o.maxReports, 5);
  t.equal(o.writeRate, 3);
  t.equal(o.rescanInterval, 600);
  t.equal(o.logLevel, 'debug');
});
