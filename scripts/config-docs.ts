/**
 * Writes the configuration table of docs/configuration.md from src/config.ts
 * (`npm run docs:config`), or with `--check` fails when the committed page differs from what it
 * would write.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { configTable, withConfigTable } from './config-table.ts';

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
const committed = await readFile(target, 'utf8');
const written = withConfigTable(committed, configTable());

if (process.argv.includes('--check')) {
  if (committed !== written) {
    console.error('docs/configuration.md is stale: run `npm run docs:config` and commit the result.');
    process.exit(1);
  }
  console.log('docs/configuration.md is up to date.');
} else {
  await writeFile(target, written);
  console.log(`wrote ${target}`);
}
