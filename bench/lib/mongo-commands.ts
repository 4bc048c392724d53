/**
 * Loaded with `--import` into the taskql processes of a `--profile` run, beside `cpu-profile.ts`:
 * counts the MongoDB commands each process sends, by shape (command, collection, and the filter's
 * field names and operators, values left out), with the time each took from sent to answered, and
 * writes the table to `$CPU_PROFILE_DIR/MONGO.<time>.<pid>.tsv` when the process exits. A CPU
 * profile shows a process waiting on MongoDB as idle; this says for what. It turns on the
 * driver's command monitoring for every client the process connects, which taskql's code leaves off.
 */
import { writeFileSync } from 'node:fs';
import { MongoClient, type CommandStartedEvent, type CommandSucceededEvent, type CommandFailedEvent } from 'mongodb';

const dir = process.env['CPU_PROFILE_DIR'];
if (!dir) throw new Error('CPU_PROFILE_DIR is not set');

/** A filter or pipeline with its values replaced by 1: what tells one query shape from another. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 && typeof value[0] === 'object' && value[0] !== null ? value.map(shape) : '[…]';
  if (value === null || typeof value !== 'object' || value instanceof Date) return 1;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, shape(v)]));
}

/** What a command looks at: its filter, pipeline, or its first update's or delete's. */
function filterOf(command: Record<string, unknown>): unknown {
  const first = (key: string) => (command[key] as { q?: unknown }[] | undefined)?.[0]?.q;
  return command['filter'] ?? command['pipeline'] ?? command['query'] ?? first('updates') ?? first('deletes') ?? null;
}

const sent = new Map<number, { key: string; at: number }>();
const totals = new Map<string, { count: number; ms: number }>();

function started(event: CommandStartedEvent): void {
  const command = event.command as Record<string, unknown>;
  const sorted = command['sort'] ? ' sorted' : '';
  sent.set(event.requestId, { key: `${event.commandName}\t${String(command[event.commandName])}\t${JSON.stringify(shape(filterOf(command)))}${sorted}`, at: performance.now() });
}

function answered(event: CommandSucceededEvent | CommandFailedEvent): void {
  const command = sent.get(event.requestId);
  if (!command) return;
  sent.delete(event.requestId);
  const total = totals.get(command.key) ?? { count: 0, ms: 0 };
  total.count++;
  total.ms += performance.now() - command.at;
  totals.set(command.key, total);
}

// eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with its client as `this`, below
const connect = MongoClient.prototype.connect;
MongoClient.prototype.connect = function (this: MongoClient) {
  // The setting the constructor takes; connections read it as they open.
  Object.assign(this.options, { monitorCommands: true });
  this.on('commandStarted', started);
  this.on('commandSucceeded', answered);
  this.on('commandFailed', answered);
  return connect.call(this);
};

process.on('exit', () => {
  const rows = [...totals].sort((a, b) => b[1].ms - a[1].ms);
  const lines = rows.map(([key, { count, ms }]) => `${count}\t${ms.toFixed(0)}\t${(ms / count).toFixed(2)}\t${key}`);
  const file = `${dir}/MONGO.${new Date().toISOString().replace(/[:.]/g, '-')}.${process.pid}.tsv`;
  writeFileSync(file, ['commands\ttotal ms\tmean ms\tcommand\tcollection\tfilter', ...lines].join('\n') + '\n');
});
