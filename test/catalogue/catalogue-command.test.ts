import t from 'tap';
import { Command } from 'commander';
import { registerCatalogueCommand, renderCatalogue } from '../../src/cli/catalogue-command.js';
import { registerPolicyCommands } from '../../src/cli/policy-commands.js';
import { buildCatalogue } from '../../src/catalogue/controls.js';
import { registryOf } from '../fixtures/catalogue-registry.js';

t.test('registers under the existing policies command', async (t) => {
  const program = new Command();
  registerPolicyCommands(program);
  registerCatalogueCommand(program);
  const policies = program.commands.filter((c) => c.name() === 'policies');
  t.equal(policies.length, 1, 'no second policies command');
  t.ok(policies[0]?.commands.some((c) => c.name() === 'catalogue'));
});

t.test('table and json output, filtered by framework and coverage', async (t) => {
  const catalogue = buildCatalogue(registryOf([{ id: 'p1', controls: ['cis-k8s:5.7.4', 'nsa:network-separation', 'cve:CVE-0000-1'] }]));
  const table = renderCatalogue(catalogue, { output: 'table', framework: 'cis-k8s' }).trimEnd().split('\n');
  t.match(table.find((l) => l.startsWith('cis-k8s:5.7.4')), /p1\s+The default namespace should not be used/);
  t.notOk(table.some((l) => l.startsWith('nsa:')), 'other frameworks left out');
  t.match(table.find((l) => l.startsWith('cve:CVE-0000-1')), /not in the catalogue/, 'unknown ids are shown');
  t.match(table.at(-1), /^35 controls, 1 covered, 1 unknown/);
  const json = JSON.parse(renderCatalogue(catalogue, { output: 'json', framework: 'nsa', uncovered: true })) as { controls: { id: string; policies: unknown[] }[]; unknown: unknown[] };
  t.ok(json.controls.length > 0 && json.controls.every((c) => c.id.startsWith('nsa:') && c.policies.length === 0), 'only uncovered NSA controls');
  t.notOk(json.controls.some((c) => c.id === 'nsa:network-separation'));
  t.same(json.unknown, [{ id: 'cve:CVE-0000-1', policies: ['p1'] }]);
});
