/**
 * Calls made in one turn of the event loop, answered by one call of a batch function: how the
 * store's inserts and the queues' adds from concurrent requests share one command and one socket
 * write instead of making one each.
 */
import DataLoader from 'dataloader';

/**
 * A function whose calls of one event-loop turn (up to `maxBatch` of them) are answered by one
 * call of `batch`: each caller gets the value at its index, or is rejected with the error there,
 * and all of them with what `batch` throws. The batch runs from `setImmediate`, once the turn's
 * I/O callbacks have made their calls.
 *
 * DataLoader, made for reads, is exactly this gathering; it is not cached, since every call writes.
 */
export function gatheredPerTurn<T, R>(batch: (items: readonly T[]) => Promise<readonly (R | Error)[]>, maxBatch: number): (item: T) => Promise<R> {
  const loader = new DataLoader<T, R>(batch, { cache: false, batchScheduleFn: (run) => setImmediate(run), maxBatchSize: maxBatch });
  return (item) => loader.load(item);
}
