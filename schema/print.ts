/**
 * Writes schema/schema.graphql from the Pothos schema (`npm run schema`), or with `--check` fails
 * when the committed file differs from what the code builds (`npm run schema:check`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { schema } from './index.ts';

const target = fileURLToPath(new URL('./schema.graphql', import.meta.url));
const printed = `${printSchema(schema)}\n`;

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== printed) {
    console.error('schema/schema.graphql is stale: run `npm run schema` and commit the result.');
    process.exit(1);
  }
  console.log('schema/schema.graphql is up to date.');
} else {
  await writeFile(target, printed);
  console.log(`wrote ${target}`);
}
