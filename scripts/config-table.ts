/**
 * The configuration table of docs/configuration.md, made from the variables `src/config.ts`
 * declares (their defaults from the schemas, their meanings from the docs beside them), and
 * its place in that page between two markers. Pure: `scripts/config-docs.ts` reads and writes.
 */
import { variableDoc, variables, type VariableName } from '../src/config.ts';

/** The marker line before the generated table. */
export const TABLE_START = '<!-- config:start (written by `npm run docs:config`; edit src/config.ts instead) -->';
/** The marker line after the generated table. */
export const TABLE_END = '<!-- config:end -->';

const KiB = 1024;
const MiB = 1024 * KiB;
const DAY_SECONDS = 24 * 3600;

/** A size or a duration in words, for the defaults that read badly as bare numbers. */
function inWords(name: VariableName, value: unknown): string | undefined {
  if (typeof value !== 'number' || value === 0) return undefined;
  if (name.endsWith('_BYTES') && value % MiB === 0) return `${value / MiB} MiB`;
  if (name.endsWith('_BYTES') && value % KiB === 0) return `${value / KiB} KiB`;
  if (name.endsWith('_SECONDS') && value % DAY_SECONDS === 0) return `${value / DAY_SECONDS} days`;
  return undefined;
}

/** What an unset variable means: its doc's words, else its schema's default, else nothing. */
function unsetText(name: VariableName): string {
  const { unset } = variableDoc(name);
  if (unset !== undefined) return unset;
  const parsed = variables.shape[name].safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '—';
  const value = typeof parsed.data === 'string' ? parsed.data : JSON.stringify(parsed.data);
  const words = inWords(name, parsed.data);
  return `\`${value}\`${words === undefined ? '' : ` (${words})`}`;
}

/** A table cell: a `|` would end it. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** The markdown table of every variable: name, what unset means, meaning. */
export function configTable(): string {
  const rows = (Object.keys(variables.shape) as VariableName[]).map(
    (name) => `| \`${name}\` | ${cell(unsetText(name))} | ${cell(variableDoc(name).description)} |`,
  );
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** `page` with `table` between its markers; throws when the page lacks them. */
export function withConfigTable(page: string, table: string): string {
  const start = page.indexOf(TABLE_START);
  const end = page.indexOf(TABLE_END);
  if (start === -1 || end < start) throw new Error(`the page has no "${TABLE_START}" … "${TABLE_END}" markers`);
  return `${page.slice(0, start + TABLE_START.length)}\n${table}\n${page.slice(end)}`;
}
