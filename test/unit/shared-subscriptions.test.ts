/**
 * Shared subscriptions (`useSharedSubscriptions`) through yoga's own envelop: subscribers with the
 * same operation, variables and caller share one source stream and one execution per event, a
 * late subscriber is served as its field's joining rule says, another caller gets its own
 * subscription, every subscriber reports its deliveries, errors are masked once per shared result,
 * and the source stops with the last subscriber.
 */
import type { DocumentNode, ExecutionArgs, ExecutionResult } from 'graphql';
import { createSchema, createYoga, Repeater } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useSharedSubscriptions } from '../../src/api/shared-subscriptions.ts';
import { ANONYMOUS, type Principal } from '../../src/auth/principal.ts';

interface Item {
  n: number;
  at: Date;
}
interface Context {
  principal: Principal;
  delivered: (at: Date) => void;
}

/** The items of every source stream opened, pushed by the test; and how many are open. */
const sources = new Set<(item: Item) => Promise<unknown>>();
let opened = 0;
let executions = 0;
const push = async (n: number) => {
  for (const source of sources) await source({ n, at: new Date() });
};

const fields = `{ n seenBy }`;
const schema = createSchema<Context>({
  typeDefs: /* GraphQL */ `
    type Query { ok: Boolean }
    type Item { n: Int!, seenBy: String! }
    type Subscription { snapshots(label: String): Item!, live: Item!, other: Item! }
  `,
  resolvers: {
    Subscription: Object.fromEntries(
      ['snapshots', 'live', 'other'].map((field) => [
        field,
        {
          subscribe: () => {
            opened++;
            return new Repeater<Item>(async (next, stop) => {
              sources.add(next);
              await stop;
              sources.delete(next);
            });
          },
          resolve: (item: Item, _args: unknown, { delivered }: Context) => {
            executions++;
            delivered(item.at);
            return item;
          },
        },
      ]),
    ),
    Item: {
      seenBy: (item: Item, _args: unknown, { principal }: Context) => {
        if (item.n < 0) throw new Error('connection to 10.0.0.7 reset');
        return principal.owner;
      },
    },
  },
});
const yoga = createYoga<Context>({
  schema,
  plugins: [
    useSharedSubscriptions(
      new Map([
        ['snapshots', 'latest'],
        ['live', 'live'],
      ]),
    ),
  ],
});

/** A subscriber: its results' `n`, and how many deliveries it reported. */
async function subscriber(query: string, principal: Principal = ANONYMOUS, variables: Record<string, unknown> = {}) {
  let delivered = 0;
  // yoga's parse caches documents by their text, as for every operation the API serves.
  const enveloped = yoga.getEnveloped({}) as { parse: (source: string) => DocumentNode; subscribe: (args: ExecutionArgs) => Promise<unknown> };
  const results = (await enveloped.subscribe({
    schema,
    document: enveloped.parse(query),
    variableValues: variables,
    contextValue: { principal, delivered: () => delivered++ } satisfies Context,
  })) as AsyncIterableIterator<ExecutionResult<Record<string, { n: number; seenBy: string }>>>;
  const received: ExecutionResult[] = [];
  return {
    results,
    received,
    /** Take `count` more results. */
    async take(count: number) {
      for (let i = 0; i < count; i++) received.push((await results.next()).value as ExecutionResult);
      return received.map((r) => (r.data as Record<string, { n: number }>)[Object.keys(r.data!)[0]!]!.n);
    },
    delivered: () => delivered,
  };
}

describe('shared subscriptions', () => {
  it('opens one stream and executes each event once for subscribers asking the same thing', async () => {
    opened = executions = 0;
    const query = `subscription($label: String) { snapshots(label: $label) ${fields} }`;
    const [a, b] = [await subscriber(query, ANONYMOUS, { label: 'x' }), await subscriber(query, ANONYMOUS, { label: 'x' })];
    const bob = await subscriber(query, { ...ANONYMOUS, owner: 'bob' }, { label: 'x' });
    const otherLabel = await subscriber(query, ANONYMOUS, { label: 'y' });
    expect(opened).toBe(3);
    await push(1);
    await push(2);
    expect(await a.take(2)).toEqual([1, 2]);
    expect(await b.take(2)).toEqual([1, 2]);
    a.received.forEach((result, i) => expect(result).toBe(b.received[i]));
    expect(await bob.take(2)).toEqual([1, 2]);
    expect(bob.received[0]!.data).toEqual({ snapshots: { n: 1, seenBy: 'bob' } });
    expect(await otherLabel.take(2)).toEqual([1, 2]);
    expect(executions).toBe(6); // two events for three subscriptions
    for (const s of [a, b, bob, otherLabel]) expect(s.delivered()).toBe(2);
    for (const s of [a, b, bob, otherLabel]) await s.results.return?.();
    expect(sources.size).toBe(0);
  });

  it('sends a late snapshot subscriber the newest result first, and a late live one only what follows', async () => {
    const snapshots = await subscriber(`subscription { snapshots ${fields} }`);
    const live = await subscriber(`subscription { live ${fields} }`);
    await push(1);
    await push(2);
    expect(await snapshots.take(2)).toEqual([1, 2]);
    expect(await live.take(2)).toEqual([1, 2]);
    const [lateSnapshots, lateLive] = [await subscriber(`subscription { snapshots ${fields} }`), await subscriber(`subscription { live ${fields} }`)];
    await push(3);
    expect(await lateSnapshots.take(2)).toEqual([2, 3]);
    expect(await lateLive.take(1)).toEqual([3]);
    for (const s of [snapshots, live, lateSnapshots, lateLive]) await s.results.return?.();
    expect(sources.size).toBe(0);
  });

  it("masks a shared result's errors once, as the API masks every error", async () => {
    const [a, b] = [await subscriber(`subscription { live ${fields} }`), await subscriber(`subscription { live ${fields} }`)];
    await push(-1);
    const [result, other] = [(await a.results.next()).value as ExecutionResult, (await b.results.next()).value as ExecutionResult];
    expect(result.data).toBeNull();
    expect(result.errors?.map((e) => ({ message: e.message, code: e.extensions['code'], path: e.path }))).toEqual([
      { message: 'Internal server error', code: 'INTERNAL_SERVER_ERROR', path: ['live', 'seenBy'] },
    ]);
    expect(other).toBe(result);
    for (const s of [a, b]) await s.results.return?.();
    expect(sources.size).toBe(0);
  });

  it('keeps the stream while any subscriber stays, and leaves other fields unshared', async () => {
    opened = 0;
    const [first, second] = [await subscriber(`subscription { live ${fields} }`), await subscriber(`subscription { live ${fields} }`)];
    await first.results.return?.();
    await push(1);
    expect(await second.take(1)).toEqual([1]);
    const [x, y] = [await subscriber(`subscription { other ${fields} }`), await subscriber(`subscription { other ${fields} }`)];
    expect(opened).toBe(3);
    for (const s of [second, x, y]) await s.results.return?.();
    expect(sources.size).toBe(0);
  });
});
