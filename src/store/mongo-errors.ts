/**
 * What the driver's errors mean to the store: a server that cannot be reached (the operation did
 * not happen, and the caller answers SERVICE_UNAVAILABLE), and a write refused by a unique index.
 */
import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { DependencyUnavailableError } from '../errors.ts';

/** The server error code of a write that a unique index refused. */
export const DUPLICATE_KEY = 11000;

/** Server error codes of a server shutting down or stepping down (the operation did not happen). */
const SHUTDOWN_CODES: ReadonlySet<number> = new Set([91, 189, 10107, 11600, 11602, 13435, 13436]);

/** Run a driver call, turning "cannot reach the server" into `DependencyUnavailableError`. */
export async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnreachable(error)) throw new DependencyUnavailableError('MongoDB', { cause: error });
    throw error;
  }
}

/** Whether a write failed on a unique index. */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

function isUnreachable(error: unknown): boolean {
  return (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    (error instanceof MongoError &&
      (error.hasErrorLabel('ResetPool') || (typeof error.code === 'number' && SHUTDOWN_CODES.has(error.code))))
  );
}
