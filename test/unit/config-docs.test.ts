import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { variableDoc, variables, type VariableName } from '../../src/config.ts';
import { configTable, TABLE_END, TABLE_START, withConfigTable } from '../../scripts/config-table.ts';

const names = Object.keys(variables.shape) as VariableName[];

describe('docs/configuration.md', () => {
  it('holds the table src/config.ts makes (run `npm run docs:config` when this fails)', async () => {
    const committed = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(committed).toBe(withConfigTable(committed, configTable()));
  });
});

describe('configTable', () => {
  const rows = configTable().split('\n').slice(2);

  it('has one row per variable, each with its meaning', () => {
    expect(rows.map((row) => /^\| `(\w+)` \|/.exec(row)?.[1])).toEqual(names);
    for (const name of names) expect(variableDoc(name).description, name).not.toBe('');
  });

  it('shows a default as the schema applies it, sizes and long durations in words too', () => {
    expect(rows).toContain('| `PORT` | `4000` | API port (HTTP and WebSocket) |');
    expect(rows.find((row) => row.startsWith('| `MAX_REQUEST_BYTES` |'))).toContain('| `1048576` (1 MiB) |');
    expect(rows.find((row) => row.startsWith('| `RESULT_TTL_SECONDS` |'))).toContain('| `604800` (7 days) |');
    expect(rows.find((row) => row.startsWith('| `BUILTIN_TASK_TYPES` |'))).toContain('| `true` |');
  });

  it('says what unset means where the default is not a plain value', () => {
    expect(rows.find((row) => row.startsWith('| `GRAPHIQL` |'))).toContain('| `true`, `false` in production |');
    expect(rows.find((row) => row.startsWith('| `DASHBOARD_DIR` |'))).toContain('| `dashboard/dist` in the package |');
    expect(rows.find((row) => row.startsWith('| `AUTH_JWT_SECRET` |'))).toContain('| — |');
  });
});

describe('withConfigTable', () => {
  it('replaces what lies between the markers and nothing else', () => {
    const page = `# Title\n\nintro\n${TABLE_START}\nold table\n${TABLE_END}\n\nafter\n`;
    expect(withConfigTable(page, 'new table')).toBe(`# Title\n\nintro\n${TABLE_START}\nnew table\n${TABLE_END}\n\nafter\n`);
  });

  it('refuses a page without its markers', () => {
    expect(() => withConfigTable('# Title\n', 'table')).toThrow('markers');
  });
});
