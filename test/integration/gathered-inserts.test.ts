/**
 * The store's inserts of one event-loop turn go to MongoDB as one `insertMany`, and each caller
 * still hears its own outcome: stored, the earlier task with its idempotency key, or its own
 * refusal, which fails no other caller.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NewTask, Transition } from '../../src/model/state-machine.ts';
import { TaskStore, type Inserted } from '../../src/store/task-store.ts';
import { newTaskCreation } from '../support/task-fixtures.ts';

let client: MongoClient;
let db: Db;
let store: TaskStore;
const inserts: CommandStartedEvent[] = [];

beforeAll(async () => {
  client = await new MongoClient(inject('mongoUrl'), { monitorCommands: true }).connect();
  client.on('commandStarted', (event) => {
    if (event.commandName === 'insert') inserts.push(event);
  });
  db = client.db(`gathered_inserts_${randomUUID().slice(0, 8)}`);
  store = new TaskStore(db);
  await store.ensureIndexes();
});
afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

/** A new task's creation, with an id of its own, now. */
const created = (spec: Partial<NewTask> = {}): Transition => newTaskCreation({ id: randomUUID(), ...spec }, new Date());

/** Insert `transitions` from one turn of the event loop, as concurrent requests do. */
async function insertTogether(transitions: Transition[]): Promise<PromiseSettledResult<Inserted>[]> {
  inserts.length = 0;
  return Promise.allSettled(transitions.map((t) => store.insert(t)));
}

/** The outcomes, every one of which must have been an answer rather than an error. */
function fulfilled(results: PromiseSettledResult<Inserted>[]): Inserted[] {
  return results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}

const storedIds = async (transitions: Transition[]) =>
  (await db.collection('tasks').find({ _id: { $in: transitions.map((t) => t.task.id) } } as never).toArray()).map((d) => d._id).sort();

describe(`gathered inserts on ${inject('mongoServer')}`, () => {
  it('writes the inserts of one turn with one command, and each is stored', async () => {
    const batch = Array.from({ length: 20 }, () => created());
    expect(fulfilled(await insertTogether(batch))).toEqual(batch.map(() => ({ inserted: true })));
    expect(inserts.map((event) => (event.command['documents'] as unknown[]).length)).toEqual([20]);
    expect(await storedIds(batch)).toEqual(batch.map((t) => t.task.id).sort());
  });

  it('answers a reused idempotency key with the earlier task, within the batch and across batches', async () => {
    const earlier = created({ idempotencyKey: 'earlier' });
    expect(await store.insert(earlier)).toEqual({ inserted: true });
    const again = created({ idempotencyKey: 'earlier' });
    const twins = [created({ idempotencyKey: 'twin' }), created({ idempotencyKey: 'twin' })];
    const fresh = created();
    const [againResult, first, second, freshResult] = fulfilled(await insertTogether([again, ...twins, fresh]));

    expect(againResult).toMatchObject({ inserted: false, existing: { id: earlier.task.id } });
    expect(freshResult).toEqual({ inserted: true });
    // One twin is stored, and the other is answered with it.
    const [winner, stored, answered] = first!.inserted ? [twins[0]!, first, second] : [twins[1]!, second, first];
    expect(stored).toEqual({ inserted: true });
    expect(answered).toMatchObject({ inserted: false, existing: { id: winner.task.id } });
    expect(await storedIds([again, ...twins, fresh])).toEqual([winner.task.id, fresh.task.id].sort());
  });

  it('fails only the caller whose document cannot be stored', async () => {
    // Over MongoDB's 16 MiB document limit: refused by the driver or the server.
    const tooLarge = created({ input: { blob: 'x'.repeat(17 * 1024 * 1024) } });
    const others = [created(), created()];
    const [refused, ...stored] = await insertTogether([tooLarge, ...others]);
    expect(refused?.status).toBe('rejected');
    expect(fulfilled(stored)).toEqual([{ inserted: true }, { inserted: true }]);
    expect(await storedIds([tooLarge, ...others])).toEqual(others.map((t) => t.task.id).sort());
  });
});
