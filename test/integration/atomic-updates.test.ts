/**
 * What the store's plain write path stands on: a version-guarded update is atomic, so of writers
 * that all update one document from the same version, exactly one applies. MongoDB and
 * mongo-java-server give that; FerretDB 1.x does not (an update there is a read and a later
 * write of the whole document), and the store claims versions there instead
 * (docs/test-servers.md). Writers here have a connection each, as separate processes would.
 */
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ANONYMOUS } from '../../src/auth/principal.ts';
import { cancel, type TransitionResult } from '../../src/model/state-machine.ts';
import type { Runtime } from '../../src/runtime.ts';
import { TaskStore } from '../../src/store/task-store.ts';
import { startTestRuntime, testConfig } from '../support/runtime.ts';

const WRITERS = 20;
const onFerretDB = inject('mongoServer') === 'FerretDB';

/** `WRITERS` databases of one name, each through its own client (its own connections). */
async function connectWriters(name: string): Promise<{ dbs: Db[]; close: () => Promise<void> }> {
  const clients = await Promise.all(Array.from({ length: WRITERS }, () => new MongoClient(inject('mongoUrl')).connect()));
  return { dbs: clients.map((client) => client.db(name)), close: async () => void (await Promise.all(clients.map((c) => c.close()))) };
}

describe(`version-guarded updates on ${inject('mongoServer')}`, () => {
  let runtime: Runtime;
  let writers: Awaited<ReturnType<typeof connectWriters>>;

  beforeAll(async () => {
    runtime = await startTestRuntime(testConfig('atomic_updates'));
    writers = await connectWriters(runtime.db.databaseName);
  });
  afterAll(async () => {
    await writers?.close();
    await runtime?.close();
  });

  it.skipIf(onFerretDB)(
    `${WRITERS} concurrent updates of one document from one version: exactly one applies (skipped on FerretDB: its updates are not atomic)`,
    async () => {
      const collection = runtime.db.collection<{ _id: string; version: number; writers: number[] }>('atomic_updates');
      await collection.insertOne({ _id: 'one', version: 1, writers: [] });
      const results = await Promise.all(
        writers.dbs.map((db, writer) =>
          db.collection<{ _id: string; version: number; writers: number[] }>('atomic_updates').updateOne(
            { _id: 'one', version: 1 },
            { $set: { version: 2 }, $push: { writers: writer } },
          ),
        ),
      );
      const applied = results.map((result) => result.modifiedCount);
      expect(applied.reduce((sum, n) => sum + n, 0)).toBe(1);
      const winner = applied.indexOf(1);
      expect(await collection.findOne({ _id: 'one' })).toEqual({ _id: 'one', version: 2, writers: [winner] });
    },
  );

  it(`${WRITERS} stores committing from one version at once: exactly one wins, and only FerretDB needed claims`, async () => {
    const pending = (await runtime.tasks.enqueue(ANONYMOUS, { type: 'echo' })).task;
    const transition = (reason: string): TransitionResult & { ok: true } => {
      const result = cancel(pending, reason, new Date());
      if (!result.ok) throw new Error(result.reason);
      return result;
    };
    const committed = await Promise.all(writers.dbs.map((db, writer) => new TaskStore(db).commit(pending, transition(`writer ${writer}`))));
    expect(committed.filter(Boolean)).toHaveLength(1);
    expect(await runtime.store.get(pending)).toMatchObject({ state: 'CANCELLED', version: 2 });
    const events = await runtime.tasks.events(ANONYMOUS, pending.id, 0);
    expect(events?.map((e) => [e.version, e.type, e.reason])).toEqual([
      [1, 'CREATED', null],
      [2, 'CANCELLED', `writer ${committed.indexOf(true)}`],
    ]);
    // The store's claims (a collection of their own) are FerretDB's write path; an atomic server's
    // writes go straight to the task.
    const claims = await runtime.db.collection('task_claims').countDocuments({ task: pending.id });
    expect(claims > 0).toBe(onFerretDB);
  });
});
