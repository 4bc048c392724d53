/**
 * What the driver's errors mean to the store, decided here and nowhere else:
 *
 * - **unavailable**: the server cannot be reached, is shutting or stepping down, or did not answer
 *   within a time limit (`timeoutMS` or `maxTimeMS`, should MONGO_URL set one). The caller answers
 *   SERVICE_UNAVAILABLE; trying again at once would not help.
 * - **transient**: the server answered that the operation did not take effect this time and may
 *   be tried again — a write conflict, a lock it could not take in time, a `RetryableWriteError` or
 *   `TransientTransactionError` label, or FerretDB on SQLite answering concurrent writes with
 *   "database is locked (SQLITE_BUSY)". {@link guard} tries again a few times with a short
 *   backoff; should the server keep answering so, the caller answers SERVICE_UNAVAILABLE.
 * - **other**: a bug or a decision (a duplicate key), left to the caller.
 *
 * Retrying is safe at every call `guard` wraps, because a transient answer means nothing was
 * written: reads are repeated as they are, and each write is either idempotent (deletes by id,
 * `$set`s, index creation), version-guarded or refused by a unique key, so a repeated write can
 * never apply twice. A bulk write is the exception — part of it may have been written — so it is
 * retried whole only when the server refused all of it for now; otherwise the caller reads its
 * write errors one by one ({@link isTransient}).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { DependencyUnavailableError } from '../errors.ts';

/** The server error code of a write that a unique index refused. */
export const DUPLICATE_KEY = 11000;

/**
 * Server error codes of a server shutting down or stepping down (the operation did not happen),
 * and MaxTimeMSExpired (50): the server gave up within the time limit.
 */
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([50, 91, 189, 10107, 11600, 11602, 13435, 13436]);

/**
 * Server error codes of an operation that did not take effect and may succeed when tried again:
 * LockTimeout (24), WriteConflict (112), ExceededTimeLimit (262, a lock not acquired in time).
 */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([24, 112, 262]);

/** Labels with which the server (or the driver, from the server's answer) marks an error worth retrying. */
const TRANSIENT_LABELS = ['RetryableWriteError', 'TransientTransactionError'] as const;

/** FerretDB passes SQLite's "database is locked" (SQLITE_BUSY, SQLITE_LOCKED) on in the message only. */
const TRANSIENT_MESSAGE = /\bSQLITE_(?:BUSY|LOCKED)\b|database (?:table )?is locked/i;

/** What an error from the driver means to the store (see the top of this module). */
export type MongoFailure = 'unavailable' | 'transient' | 'other';

/** A server's answer about one write, as a bulk write's `writeErrors` carry it. */
export interface ServerAnswer {
  code?: number | string | undefined;
  errmsg?: string | undefined;
}

/** How {@link guard} retries a transient failure. */
export interface RetryOptions {
  /** The pause before each further try, at most; jittered down to half. Its length bounds the tries. */
  delaysMs?: readonly number[];
  /** How a pause is waited for (tests pass one that records it). */
  pause?: (ms: number) => Promise<unknown>;
}

/** Pauses before the 2nd to 6th try: under a second in all, well within a client's patience. */
const RETRY_DELAYS_MS: readonly number[] = [20, 50, 100, 200, 400];

/** Which of the store's three kinds of failure `error` is. */
export function classifyMongoError(error: unknown): MongoFailure {
  if (isUnavailable(error)) return 'unavailable';
  if (error instanceof MongoBulkWriteError) return nothingWritten(error) && isTransient({ code: error.code, errmsg: error.message }) ? 'transient' : 'other';
  if (error instanceof MongoError && (TRANSIENT_LABELS.some((label) => error.hasErrorLabel(label)) || isTransient({ code: error.code, errmsg: error.message }))) {
    return 'transient';
  }
  return 'other';
}

/** Whether a server's answer (an error's, or one write's of a bulk write) says "not now, try again". */
export function isTransient(answer: ServerAnswer): boolean {
  return (typeof answer.code === 'number' && TRANSIENT_CODES.has(answer.code)) || TRANSIENT_MESSAGE.test(answer.errmsg ?? '');
}

/**
 * Run a driver call: a transient failure is tried again after a short pause, a few times; an
 * unavailable server, or one still answering "try again" after the last try, becomes
 * `DependencyUnavailableError`. Any other error is the caller's.
 */
export async function guard<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const delays = options.delaysMs ?? RETRY_DELAYS_MS;
  const pause = options.pause ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const failure = classifyMongoError(error);
      if (failure === 'other') throw error;
      const delay = delays[attempt];
      if (failure === 'unavailable' || delay === undefined) throw new DependencyUnavailableError('MongoDB', { cause: error });
      // Jittered, so that the writers that collided do not collide again in step.
      await pause(delay * (0.5 + Math.random() / 2));
    }
  }
}

/** Whether a write failed on a unique index. */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** Node's codes of a socket that broke or could not connect, as the driver sometimes passes them on unwrapped. */
const SOCKET_ERROR_CODES: ReadonlySet<string> = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * A bulk write that failed in the driver rather than by the server's answer: the driver wraps its
 * own error in a MongoBulkWriteError, which keeps the wrapped error as its `errorResponse` but not
 * its class — and a connection that broke mid-write (mongo-java-server stopped during an
 * `insertMany`) comes as Node's own "write EPIPE", not even a MongoNetworkError. Part of the write
 * may have been stored; the callers of a bulk write undo on unavailability.
 */
function isDriverFailureInBulk(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError) || !(error.errorResponse instanceof Error)) return false;
  const wrapped: Error & { code?: unknown } = error.errorResponse;
  return isUnavailable(wrapped) || (typeof wrapped.code === 'string' && SOCKET_ERROR_CODES.has(wrapped.code));
}

/** Whether a bulk write failed before any of it was written (the command as a whole was refused). */
function nothingWritten(error: MongoBulkWriteError): boolean {
  const writeErrors = ([] as unknown[]).concat(error.writeErrors);
  const written = error.insertedCount + error.matchedCount + error.modifiedCount + error.deletedCount + error.upsertedCount;
  return writeErrors.length === 0 && written === 0;
}

function isUnavailable(error: unknown): boolean {
  return (
    isDriverFailureInBulk(error) ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoOperationTimeoutError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    (error instanceof MongoError &&
      (error.hasErrorLabel('ResetPool') || (typeof error.code === 'number' && UNAVAILABLE_CODES.has(error.code))))
  );
}
