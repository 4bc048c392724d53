/**
 * `npm run watch -- <taskId>`: follow one task from the terminal — a progress bar while it runs,
 * then its result or error — for people who live in the shell. Talks the public contract only
 * (`taskUpdated` over graphql-ws). Exit code: 0 SUCCEEDED, 1 FAILED, 2 CANCELLED, 3 could not watch.
 *
 * Options: --url (or TASKQL_URL, default ws://localhost:4000/graphql), --token (or TASKQL_TOKEN).
 */
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TaskUpdatedDocument, type TaskFieldsFragment } from '../schema/generated/graphql.ts';

/** One line describing `task`: a bar of `width` cells, the percentage, the message and the state. */
function progressLine(task: Pick<TaskFieldsFragment, 'state' | 'version' | 'progress' | 'attempt'>, width = 30): string {
  const percent = Math.max(0, Math.min(100, task.progress?.percent ?? (task.state === 'SUCCEEDED' ? 100 : 0)));
  const filled = Math.round((percent / 100) * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const message = task.progress?.message ? `  ${task.progress.message}` : '';
  return `${bar} ${percent.toFixed(0).padStart(3)}%  ${task.state}  attempt ${task.attempt}  v${task.version}${message}`;
}

/** What the process exits with once the task is in `state`. */
function exitCodeOf(state: string): number {
  return state === 'SUCCEEDED' ? 0 : state === 'FAILED' ? 1 : state === 'CANCELLED' ? 2 : 3;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { url: { type: 'string' }, token: { type: 'string' } },
  });
  const id = positionals[0];
  if (!id) {
    console.error('usage: npm run watch -- <taskId> [--url ws://host:4000/graphql] [--token <token>]');
    return 3;
  }
  const url = values.url ?? process.env['TASKQL_URL'] ?? 'ws://localhost:4000/graphql';
  const token = values.token ?? process.env['TASKQL_TOKEN'];
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 5, connectionParams: token ? { authorization: `Bearer ${token}` } : {} });
  const tty = process.stdout.isTTY;
  let last: TaskFieldsFragment | undefined;
  try {
    for await (const result of client.iterate({ query: print(TaskUpdatedDocument), variables: { id } })) {
      if (result.errors?.length) {
        console.error(`cannot watch ${id}: ${result.errors.map((e) => e.message).join('; ')}`);
        return 3;
      }
      const task = (result.data as { taskUpdated: TaskFieldsFragment } | undefined)?.taskUpdated;
      if (!task) continue;
      last = task;
      process.stdout.write(tty ? `\r\x1b[2K${progressLine(task)}` : `${progressLine(task)}\n`);
    }
  } catch (error) {
    console.error(`\ncannot watch ${id}: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
    return 3;
  } finally {
    await client.dispose();
  }
  if (tty) process.stdout.write('\n');
  if (!last) return 3;
  if (last.state === 'SUCCEEDED') console.log(`result: ${JSON.stringify(last.result)}`);
  if (last.error) console.log(`error: ${last.error.name}: ${last.error.message}`);
  return exitCodeOf(last.state);
}

process.exit(await main());
