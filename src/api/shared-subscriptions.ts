/**
 * Subscribers who asked for the same thing share one subscription: one source stream, one
 * execution per event, one result object (which the WebSocket side then serialises once:
 * `websocket.ts`).
 *
 * graphql-ws runs one subscription per subscriber: for each, the executor opens the field's
 * stream (for `taskUpdated`, a task stream with its own reads) and executes the selection again
 * on every event — a thousand subscribers of one task cost a thousand executions per change and
 * hold a thousand pipelines. Here, subscribers with the same document, operation, variables and
 * caller (resolvers may answer differently per caller) join one shared subscription instead; each
 * keeps only a queue of the results it has not taken yet. Everything before this plugin's
 * `onSubscribe` — parsing, validation, the rate limit on new subscriptions (plugins listed before
 * it) — still runs for each subscriber.
 *
 * The plugin answers the subscribe phase itself (`setResultAndStopExecution`), so the hooks of the
 * plugins after it do not run for shared subscribers. Those are yoga's error masking, whose
 * per-subscriber result wrapping (two async-iterator layers, a dozen closures with their contexts
 * and feedback vectors) was a quarter of a subscriber's heap. The masking is done here instead,
 * once per shared result and for an error that ends a subscriber, with the same `toContractError`
 * yoga's `maskError` uses.
 *
 * Only root fields whose results a late subscriber can be served from are shared:
 * - `latest`: a snapshot stream — the newest result is the state, so a subscriber that joins is
 *   sent it first, then what follows (`taskUpdated`: the shared stream watched the bus before it
 *   read, so nothing between the newest result and the next is missed);
 * - `live`: a feed with no replay — a subscriber that joins gets what follows (`taskFeed`);
 * - `fresh`: a replay from the subscriber's own position — a subscriber may join only until the
 *   first result was sent, and after it the next one with the same arguments opens a shared
 *   subscription of its own (`taskOutput`, `taskLogs`: a hundred browsers that open one task's
 *   output together share one execution per chunk).
 * `taskEvents` replays from the subscriber's own `afterVersion`, and `queueStatsUpdated` starts
 * with one result per queue, so neither is shared.
 *
 * Each subscriber still reports its own deliveries (`delivered`, the delivery-latency metric):
 * the shared execution notes what it was told and every subscriber repeats it.
 *
 * A subscriber's side is a class: its state is its fields, and its methods are shared by every
 * subscriber.
 */
import { createSourceEventStream, execute, getOperationAST, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { RequestContext } from './context.ts';
import type { Principal } from '../auth/principal.ts';
import { toContractError } from './errors.ts';

/** How a subscriber joining a shared subscription late is served (see above). */
export type Joining = 'latest' | 'live' | 'fresh';

/** taskql's shared root fields. */
export const SHARED_FIELDS: ReadonlyMap<string, Joining> = new Map([
  ['taskUpdated', 'latest'],
  ['taskFeed', 'live'],
  ['taskOutput', 'fresh'],
  ['taskLogs', 'fresh'],
]);

/**
 * Results a subscriber may fall behind by before it is ended with an error: one slow socket
 * must not make the process hold an unbounded backlog for it (as `taskFeed` does per feed).
 */
export const SUBSCRIBER_BACKLOG = 1000;

/**
 * The same for `fresh` subscriptions, whose results are small and come in bursts (a handler's
 * output chunks, thousands a second): ten seconds of a fast stream.
 */
export const FRESH_SUBSCRIBER_BACKLOG = 20_000;

/** One event's result, and the deliveries its execution reported. */
interface Delivery {
  result: ExecutionResult;
  delivered: Date[];
}

interface SharedSubscription {
  /** The subscriptions open now, by key, this one among them until it ends. */
  registry: Map<string, SharedSubscription>;
  key: string;
  joining: Joining;
  members: Set<MemberStream>;
  /** The newest result, for `latest` joiners. */
  latest: Delivery | null;
  /** Resolves once the source stream is open: null, or the errors that ended it before it began. */
  opened: Promise<ExecutionResult | null>;
  source: AsyncIterator<unknown> | null;
  ended: boolean;
}

/** An envelop plugin: subscriptions to `fields` are shared (see above); others run as usual. */
export function useSharedSubscriptions(fields: ReadonlyMap<string, Joining> = SHARED_FIELDS): Plugin<RequestContext> {
  const documents = new WeakMap<DocumentNode, number>();
  let documentCount = 0;
  const shared = new Map<string, SharedSubscription>();

  const keyOf = (args: ExecutionArgs): string => {
    let document = documents.get(args.document);
    if (document === undefined) documents.set(args.document, (document = documentCount++));
    const { principal } = args.contextValue as RequestContext;
    return JSON.stringify([document, args.operationName ?? null, args.variableValues ?? null, callerOf(principal)]);
  };

  const subscribe = async (args: ExecutionArgs, joining: Joining): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> => {
    const key = keyOf(args);
    let subscription = shared.get(key);
    // A `fresh` one that has sent something cannot replay it to a newcomer, who gets its own.
    if (!subscription || (subscription.joining === 'fresh' && subscription.latest)) shared.set(key, (subscription = open(args, key, joining)));
    const failed = await subscription.opened;
    if (failed) return failed;
    // Ended while this subscriber waited for it to open: start afresh.
    if (subscription.ended) return subscribe(args, joining);
    return new MemberStream(subscription, (args.contextValue as RequestContext).delivered);
  };

  const open = (args: ExecutionArgs, key: string, joining: Joining): SharedSubscription => {
    const subscription: SharedSubscription = {
      registry: shared,
      key,
      joining,
      members: new Set(),
      latest: null,
      opened: Promise.resolve(null),
      source: null,
      ended: false,
    };
    subscription.opened = (async () => {
      const stream = await createSourceEventStream(args);
      if (!isAsyncIterable(stream)) {
        close(subscription);
        return masked(stream);
      }
      subscription.source = stream[Symbol.asyncIterator]();
      void pump(subscription, args);
      return null;
    })();
    return subscription;
  };

  /** Execute each event once and hand the result to every member, in order, until the source ends. */
  const pump = async (subscription: SharedSubscription, args: ExecutionArgs) => {
    const context = args.contextValue as RequestContext;
    let error: Error | undefined;
    try {
      for (;;) {
        const step = await subscription.source!.next();
        if (step.done || subscription.ended) break;
        const delivered: Date[] = [];
        const result = await execute({ ...args, rootValue: step.value, contextValue: { ...context, delivered: (at: Date) => delivered.push(at) } });
        const delivery = { result: masked(result), delivered };
        subscription.latest = delivery;
        for (const member of subscription.members) member.offer(delivery);
      }
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
    }
    close(subscription);
    for (const member of subscription.members) member.finish(error === undefined ? {} : { error });
  };

  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const joining = fields.get(rootFieldOf(args));
      if (joining) return subscribe(args, joining).then(setResultAndStopExecution);
    },
  };
}

/** `result` with its errors as clients may see them (what yoga's masking would have made of them). */
function masked(result: ExecutionResult): ExecutionResult {
  return result.errors ? { ...result, errors: result.errors.map(toContractError) } : result;
}

/** The shared subscription has ended (or failed before it began): no one may join it any more. */
function close(subscription: SharedSubscription): void {
  subscription.ended = true;
  if (subscription.registry.get(subscription.key) === subscription) subscription.registry.delete(subscription.key);
}

/**
 * Results of which those that have arrived can also be taken without waiting: a sender can drain
 * a burst (a batch of output chunks is dozens of results at once) in one go, where `next()` costs
 * a promise and a turn of the microtask queue per result, for every subscriber.
 */
export interface ReadyResults {
  /** The next result if one has arrived and not been taken, else undefined (the end comes by `next()` only). */
  takeReady(): ExecutionResult | undefined;
}

/** Whether `results` can be drained without waiting ({@link ReadyResults}). */
export function hasReadyResults(results: object): results is ReadyResults {
  return typeof (results as Partial<ReadyResults>).takeReady === 'function';
}

/** One subscriber of a shared subscription: the results it has not taken yet, as its stream. */
class MemberStream implements AsyncIterableIterator<ExecutionResult>, ReadyResults {
  readonly #subscription: SharedSubscription;
  readonly #delivered: RequestContext['delivered'];
  #queue: Delivery[];
  /** Settles the `next()` waiting for a result, if one is. */
  #waiting: ((step: Promise<IteratorResult<ExecutionResult>>) => void) | null = null;
  /** Set once the shared subscription has ended: done, or failed with this error. */
  #end: { error?: Error } | null = null;

  constructor(subscription: SharedSubscription, delivered: RequestContext['delivered']) {
    this.#subscription = subscription;
    this.#delivered = delivered;
    this.#queue = subscription.joining === 'latest' && subscription.latest ? [subscription.latest] : [];
    subscription.members.add(this);
  }

  /** A result for this subscriber; one that has fallen too far behind is ended instead. */
  offer(delivery: Delivery): void {
    if (this.#end) return;
    const backlog = this.#subscription.joining === 'fresh' ? FRESH_SUBSCRIBER_BACKLOG : SUBSCRIBER_BACKLOG;
    if (this.#queue.length >= backlog) {
      this.#queue = [];
      this.finish({ error: new Error(`the subscriber fell more than ${backlog} results behind and was ended`) });
      return;
    }
    this.#queue.push(delivery);
    this.#signal();
  }

  /** The shared subscription ended: once its queue is taken, this stream ends (with the error, if any). */
  finish(end: { error?: Error }): void {
    this.#end ??= end;
    this.#signal();
  }

  // Not an async method: a suspended async function keeps its whole frame for as long as the
  // subscriber waits, and most subscribers wait most of their lives. A waiting `next()` holds one
  // promise and its resolve function, nothing else.
  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.#queue.length > 0 || this.#end) return this.#step();
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** Leaves the shared subscription; resolves once its source is closed, when this was the last member. */
  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.finish({});
    this.#queue = [];
    await this.#leave();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** A result or the end has come: settle the waiting `next()`, if any. */
  #signal(): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.(this.#step());
  }

  takeReady(): ExecutionResult | undefined {
    const delivery = this.#queue.shift();
    if (!delivery) return undefined;
    // A fresh array once drained: a drained one keeps the room it grew to.
    if (this.#queue.length === 0) this.#queue = [];
    for (const at of delivery.delivered) this.#delivered(at);
    return delivery.result;
  }

  /** The step to answer now, with a result taken from the queue or else the end. */
  #step(): Promise<IteratorResult<ExecutionResult>> {
    const result = this.takeReady();
    if (result) return Promise.resolve({ done: false, value: result });
    void this.#leave();
    const { error } = this.#end!;
    return error ? Promise.reject(toContractError(error)) : Promise.resolve({ done: true, value: undefined });
  }

  /** Leaves the shared subscription, closing its source when this was the last member. */
  async #leave(): Promise<void> {
    const subscription = this.#subscription;
    subscription.members.delete(this);
    if (subscription.members.size > 0) return;
    close(subscription);
    await subscription.source?.return?.();
  }
}

/** The name of the operation's root field, when it is a plain field (not a fragment). */
function rootFieldOf(args: ExecutionArgs): string {
  const selection = getOperationAST(args.document, args.operationName)?.selectionSet.selections[0];
  return selection?.kind === Kind.FIELD ? selection.name.value : '';
}

/** What resolvers may answer differently on: the caller's owner, scopes and task-token tasks. */
function callerOf(principal: Principal): unknown {
  return [principal.owner, [...principal.scopes].sort(), principal.taskIds && [...principal.taskIds].sort()];
}
