/**
 * Writes the configuration table of docs/configuration.md from src/config.ts
 * (`npm run docs:config`), or with `--check` fails when the committed page differs from what it
 * would write.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { configTable, withConfigTable } from './config-table.ts';
import { writeOrCheck } from './generated-file.ts';

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
await writeOrCheck(target, withConfigTable(await readFile(target, 'utf8'), configTable()), 'npm run docs:config');
