/**
 * The store's reading of driver errors, with errors built as the driver builds them from a
 * server's answer: what is unavailable, what is worth another try, and what `guard` makes of each.
 */
import { MongoBulkWriteError, MongoError, MongoNetworkError, MongoOperationTimeoutError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../src/errors.ts';
import { classifyMongoError, guard, isTransient } from '../../src/store/mongo-errors.ts';

/** What FerretDB 1.24 on SQLite answers an update that met another writer's lock. */
const SQLITE_BUSY = {
  ok: 0,
  code: 1,
  codeName: 'InternalError',
  errmsg:
    '[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:114 common.UpdateDocument] [collection.go:191 sqlite.(*collection).UpdateAll] [collection.go:177 sqlite.(*collection).UpdateAll.func1] database is locked (5) (SQLITE_BUSY)',
};

/** The counts of a bulk write's result as the driver reports them, `inserted` documents written. */
function bulkResult(inserted: number): never {
  return { insertedCount: inserted, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 } as never;
}

/** `error` with the label the driver adds to it. */
function labelled(error: MongoError, label: string): MongoError {
  error.addErrorLabel(label);
  return error;
}

describe('classifyMongoError', () => {
  it.each([
    ['a write conflict (112)', new MongoServerError({ code: 112, codeName: 'WriteConflict', errmsg: 'WriteConflict error' })],
    ['a lock timeout (24)', new MongoServerError({ code: 24, codeName: 'LockTimeout', errmsg: 'Unable to acquire lock' })],
    ['a lock not taken in time (262)', new MongoServerError({ code: 262, codeName: 'ExceededTimeLimit', errmsg: 'operation exceeded time limit' })],
    ['a RetryableWriteError label', new MongoServerError({ code: 6, errmsg: 'host unreachable', errorLabels: ['RetryableWriteError'] })],
    ['a TransientTransactionError label', new MongoServerError({ code: 251, errmsg: 'no such transaction', errorLabels: ['TransientTransactionError'] })],
    ['FerretDB’s SQLITE_BUSY', new MongoServerError(SQLITE_BUSY)],
    ['SQLite’s table lock', new MongoServerError({ code: 1, errmsg: 'database table is locked (SQLITE_LOCKED)' })],
    ['a bulk write refused as a whole, nothing written', new MongoBulkWriteError({ message: SQLITE_BUSY.errmsg, code: 1, writeErrors: [] }, bulkResult(0))],
  ])('%s is transient', (_, error) => {
    expect(classifyMongoError(error)).toBe('transient');
  });

  it.each([
    ['no server selected', new MongoServerSelectionError('Server selection timed out after 2000 ms', {} as never)],
    ['a dropped connection, even labelled retryable', labelled(new MongoNetworkError('connection reset'), 'RetryableWriteError')],
    ['a primary stepping down (NotWritablePrimary, 10107)', new MongoServerError({ code: 10107, codeName: 'NotWritablePrimary', errmsg: 'not primary' })],
    ['a server shutting down (91)', new MongoServerError({ code: 91, codeName: 'ShutdownInProgress', errmsg: 'shutdown in progress' })],
    ['a client-side time limit (timeoutMS in MONGO_URL)', new MongoOperationTimeoutError('Timed out during operation execution')],
    ['the server’s time limit (MaxTimeMSExpired, 50)', new MongoServerError({ code: 50, codeName: 'MaxTimeMSExpired', errmsg: 'operation exceeded time limit' })],
    // As the driver wraps a connection broken mid-insertMany (mongo-java-server stopped): Node's own error.
    ['a bulk write whose connection broke after part of it was written', new MongoBulkWriteError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' }) as never, bulkResult(2))],
    ['a bulk write the driver gave up on for a network error', new MongoBulkWriteError(new MongoNetworkError('connection closed'), bulkResult(0))],
  ])('%s is unavailable', (_, error) => {
    expect(classifyMongoError(error)).toBe('unavailable');
  });

  it.each([
    ['a duplicate key', new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error' })],
    ['an invalid query', new MongoServerError({ code: 2, codeName: 'BadValue', errmsg: 'unknown operator: $foo' })],
    ['FerretDB’s other internal errors', new MongoServerError({ code: 1, codeName: 'InternalError', errmsg: 'unexpected EOF' })],
    ['a bulk write refused for now after part of it was written', new MongoBulkWriteError({ message: SQLITE_BUSY.errmsg, code: 1, writeErrors: [] }, bulkResult(3))],
    ['a plain Error', new Error('bug')],
    ['a bulk write the driver gave up on for a bug of its own', new MongoBulkWriteError(new Error('bug') as never, bulkResult(0))],
  ])('%s is left to the caller', (_, error) => {
    expect(classifyMongoError(error)).toBe('other');
  });
});

describe('isTransient (one write of a bulk write)', () => {
  it('reads the code and the message', () => {
    expect(isTransient({ code: 1, errmsg: SQLITE_BUSY.errmsg })).toBe(true);
    expect(isTransient({ code: 112, errmsg: 'WriteConflict' })).toBe(true);
    expect(isTransient({ code: 11000, errmsg: 'E11000 duplicate key error' })).toBe(false);
  });
});

describe('guard', () => {
  /** A call failing with `errors` in turn, then answering 'done'; counts its tries. */
  function failing(...errors: Error[]) {
    const state = { tries: 0 };
    const call = () => {
      const error = errors[state.tries++];
      return error ? Promise.reject(error) : Promise.resolve('done');
    };
    return { call, state };
  }
  const pauses: number[] = [];
  const options = { delaysMs: [10, 20, 40], pause: (ms: number) => Promise.resolve(pauses.push(ms)) };

  it('tries a transient failure again after a jittered pause, and answers what the later try answers', async () => {
    pauses.length = 0;
    const { call, state } = failing(new MongoServerError(SQLITE_BUSY), new MongoServerError({ code: 112, errmsg: 'WriteConflict' }));
    await expect(guard(call, options)).resolves.toBe('done');
    expect(state.tries).toBe(3);
    expect(pauses).toHaveLength(2);
    expect(pauses[0]).toBeGreaterThanOrEqual(5);
    expect(pauses[0]).toBeLessThanOrEqual(10);
    expect(pauses[1]).toBeGreaterThanOrEqual(10);
    expect(pauses[1]).toBeLessThanOrEqual(20);
  });

  it('gives up after the last pause with MongoDB unavailable, the server’s answer as its cause', async () => {
    const busy = new MongoServerError(SQLITE_BUSY);
    const { call, state } = failing(busy, busy, busy, busy, busy);
    const error = await guard(call, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as DependencyUnavailableError).cause).toBe(busy);
    expect(state.tries).toBe(4);
  });

  it('does not retry an unreachable server: MongoDB unavailable at once', async () => {
    const { call, state } = failing(new MongoNetworkError('connection refused'));
    await expect(guard(call, options)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(state.tries).toBe(1);
  });

  it('leaves any other error to the caller, untouched and untried again', async () => {
    const duplicate = new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error' });
    const { call, state } = failing(duplicate);
    await expect(guard(call, options)).rejects.toBe(duplicate);
    expect(state.tries).toBe(1);
  });
});
