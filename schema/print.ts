/**
 * Writes schema/schema.graphql from the Pothos schema (`npm run schema`), or with `--check` fails
 * when the committed file differs from what the code builds (`npm run schema:check`).
 */
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { writeOrCheck } from '../scripts/generated-file.ts';
import { schema } from './index.ts';

await writeOrCheck(fileURLToPath(new URL('./schema.graphql', import.meta.url)), `${printSchema(schema)}\n`, 'npm run schema');
