/** The values table of the chart README, generated from values.schema.json and values.yaml. */
type Schema = Record<string, unknown>;

function typeOf(s: Schema): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (Array.isArray(s.anyOf)) return (s.anyOf as Schema[]).map(typeOf).join(' \\| ');
  if (typeof s.type === 'string') return s.type;
  return 'any';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function defaultText(value: unknown): string {
  if (value === undefined) return '';
  return '`' + cell(JSON.stringify(value)) + '`';
}

/**
 * One row per leaf value. Objects are expanded when the schema closes them and values.yaml gives
 * them content; open maps (policies, labels) and empty objects stay one row.
 */
export function valuesTable(schema: Schema, defaults: unknown): string {
  const rows: string[] = ['| Key | Type | Default | Description |', '|---|---|---|---|'];
  const walk = (s: Schema, value: unknown, path: string) => {
    const props = s.properties as Record<string, Schema> | undefined;
    const expand = props && value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0;
    if (expand) {
      for (const [key, sub] of Object.entries(props)) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined && path === '' && key === 'global') continue;
        walk(sub, v, path ? `${path}.${key}` : key);
      }
      return;
    }
    rows.push(`| \`${path}\` | ${typeOf(s)} | ${defaultText(value)} | ${cell(String(s.description ?? ''))} |`);
  };
  walk(schema, defaults, '');
  return rows.join('\n') + '\n';
}
