/**
 * docs/alerting.md stays true: its complete configuration and each sink example load against the real
 * configuration schema, the chart values example renders, and every key the schema knows is shown.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import { alertsSchema } from '../../src/config/alerts-schema.js';

const doc = readFileSync('docs/alerting.md', 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

t.test('the complete configuration loads and shows every key of the schema', async (t) => {
  const full = blocks.find((b) => b.startsWith('alerts:'));
  t.ok(full, 'the complete configuration is there');
  const config = parseConfig(full!, 'docs/alerting.md');
  t.same(config.alerts?.sinks.map((s) => s.type), ['alertmanager', 'slack', 'webhook', 'events'], 'one of each sink');
  for (const key of Object.keys(alertsSchema.properties)) t.match(full!, new RegExp(`\\n?\\s${key}:`), `alerts.${key} is shown`);
  for (const key of Object.keys(alertsSchema.properties.sinks.items.properties)) t.match(full!, new RegExp(`\\s${key}:`), `sinks[].${key} is shown`);
});

t.test('the Splunk and Elasticsearch sink examples are valid sinks', async (t) => {
  const sinks = blocks.filter((b) => b.trimStart().startsWith('- name:'));
  t.equal(sinks.length, 2);
  for (const s of sinks) {
    const config = parseConfig(`alerts:\n  sinks:\n${s}`, 'docs/alerting.md');
    t.equal(config.alerts?.sinks[0]?.type, 'webhook');
  }
});

t.test('the chart values example has a valid alerts section', async (t) => {
  const values = parse(blocks.find((b) => b.startsWith('# values.yaml'))!) as { config: { alerts: unknown } };
  const config = parseConfig(JSON.stringify({ alerts: values.config.alerts }), 'docs/alerting.md');
  t.same(config.alerts?.sinks.map((s) => s.type), ['alertmanager', 'events']);
});
