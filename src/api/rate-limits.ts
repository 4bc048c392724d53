/**
 * Per-owner rate limits on mutations and on new subscriptions, counted in Redis so that every API
 * process shares one budget per owner (rate-limiter-flexible's fixed windows of one minute).
 *
 * An owner's calls do not each cost a Redis round trip: a process reserves its owner's points in
 * blocks and admits calls from the block locally (`BlockReservations`). rate-limiter-flexible
 * counts whatever is consumed but has no such batching, so the blocks are ours.
 */
import { getOperationAST, OperationTypeNode, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Principal } from '../auth/principal.ts';
import { RateLimitedError } from '../errors.ts';
import type { RedisConnection } from '../redis/connections.ts';
import { toContractError } from './errors.ts';

/** Which budget an operation draws on. */
export type RateLimited = 'mutation' | 'subscription';

/** What reserving points answered: how many were granted (0: the budget is spent) and for how long they hold. */
export interface Reservation {
  granted: number;
  msBeforeNext: number;
}

/** Reserves up to `points` of `key`'s budget in the shared counter. */
export type Reserve = (key: string, points: number) => Promise<Reservation>;

/** One key's block in this process: points left, until when they hold, and the next block's size. */
interface Block {
  left: number;
  until: number;
  /** The next reservation's size: it doubles while the key keeps spending its blocks within a window. */
  size: number;
  /** Set once the budget is spent: refused until then. */
  refusedUntil: number;
  /** A reservation under way, which concurrent calls for the key wait for rather than start their own. */
  reserving: Promise<void> | null;
}

/** How many keys' blocks are kept before those of ended windows are swept. */
const SWEEP_AT = 10_000;

/**
 * Admission from blocks of a shared budget. A key reserves 1 point, then 2, 4, … up to
 * `maxBlock` while it keeps spending them within one window, so a key making a call now and then
 * costs what it cost before (one reservation a call) and a busy key costs one reservation per
 * block. Across processes the budget is never exceeded; what a process reserved and did not
 * spend before the window ended is lost to the others, at most `maxBlock - 1` points per process
 * and window.
 */
export class BlockReservations {
  readonly #reserve: Reserve;
  readonly #maxBlock: number;
  readonly #now: () => number;
  readonly #blocks = new Map<string, Block>();

  constructor(reserve: Reserve, maxBlock: number, now: () => number = Date.now) {
    this.#reserve = reserve;
    this.#maxBlock = Math.max(1, Math.floor(maxBlock));
    this.#now = now;
  }

  /**
   * Take one point of `key`'s budget. Resolves when taken; resolves `msBeforeNext` (> 0) when the
   * budget is spent, saying how long until the next window.
   */
  async take(key: string): Promise<number> {
    for (;;) {
      const block = this.#blockOf(key);
      const now = this.#now();
      if (block.refusedUntil > now) return block.refusedUntil - now;
      if (block.until <= now) Object.assign(block, { left: 0, size: 1 });
      if (block.left > 0) {
        block.left--;
        return 0;
      }
      block.reserving ??= this.#refill(key, block).finally(() => {
        block.reserving = null;
      });
      await block.reserving;
    }
  }

  #blockOf(key: string): Block {
    let block = this.#blocks.get(key);
    if (!block) {
      if (this.#blocks.size >= SWEEP_AT) this.#sweep();
      block = { left: 0, until: 0, size: 1, refusedUntil: 0, reserving: null };
      this.#blocks.set(key, block);
    }
    return block;
  }

  async #refill(key: string, block: Block): Promise<void> {
    const { granted, msBeforeNext } = await this.#reserve(key, block.size);
    const until = this.#now() + msBeforeNext;
    if (granted === 0) {
      block.refusedUntil = until;
      return;
    }
    Object.assign(block, { left: granted, until, size: Math.min(block.size * 2, this.#maxBlock) });
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, block] of this.#blocks) {
      if (!block.reserving && block.until <= now && block.refusedUntil <= now) this.#blocks.delete(key);
    }
  }
}

/**
 * Reserving points with rate-limiter-flexible: it adds what is asked even past the budget, so a
 * refused reservation was still granted what was left before it.
 */
function reserveWith(limiter: RateLimiterRedis): Reserve {
  return async (key, points) => {
    try {
      const result = await limiter.consume(key, points);
      return { granted: points, msBeforeNext: result.msBeforeNext };
    } catch (result) {
      if (!(result instanceof RateLimiterRes)) throw result;
      const before = result.consumedPoints - points;
      return { granted: Math.max(0, Math.min(points, limiter.points - before)), msBeforeNext: result.msBeforeNext };
    }
  };
}

/** The largest block, as a share of the budget: a hundredth, so unspent blocks cost other processes little. */
const BLOCK_SHARE = 100;

export class RateLimits {
  readonly #reservations: Record<RateLimited, BlockReservations>;

  constructor(redis: RedisConnection, prefix: string, perMinute: Record<RateLimited, number>) {
    const reservations = (kind: RateLimited) => {
      const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:rate:${kind}`, points: perMinute[kind], duration: 60 });
      return new BlockReservations(reserveWith(limiter), perMinute[kind] / BLOCK_SHARE);
    };
    this.#reservations = { mutation: reservations('mutation'), subscription: reservations('subscription') };
  }

  /**
   * Take one from `principal`'s `kind` budget; RateLimitedError when it is spent. When Redis
   * cannot be asked the request goes on: the limit guards capacity, and the operation itself
   * reports an unavailable Redis.
   */
  async take(principal: Principal, kind: RateLimited): Promise<void> {
    let msBeforeNext: number;
    try {
      msBeforeNext = await this.#reservations[kind].take(principal.owner);
    } catch {
      return;
    }
    if (msBeforeNext > 0) {
      throw new RateLimitedError(`too many ${kind}s for ${principal.owner}: try again in ${Math.ceil(msBeforeNext / 1000)} s`);
    }
  }
}

/**
 * An envelop plugin drawing on `limits` for every mutation and every new subscription, over HTTP
 * and WebSocket alike (the principal is in the operation's context). A spent budget ends the
 * operation with a RATE_LIMITED result rather than a throw, which graphql-ws would treat as an
 * internal failure of the socket.
 */
export function useRateLimits(limits: RateLimits): Plugin<{ principal: Principal }> {
  const refusal = (error: unknown) => {
    if (error instanceof RateLimitedError) return { errors: [toContractError(error)] };
    throw error;
  };
  return {
    onExecute: async ({ args, setResultAndStopExecution }) => {
      const operation = getOperationAST(args.document as DocumentNode, args.operationName as string | undefined);
      if (operation?.operation !== OperationTypeNode.MUTATION) return;
      await limits.take(args.contextValue.principal, 'mutation').catch((e: unknown) => setResultAndStopExecution(refusal(e)));
    },
    onSubscribe: async ({ args, setResultAndStopExecution }) => {
      await limits.take(args.contextValue.principal, 'subscription').catch((e: unknown) => setResultAndStopExecution(refusal(e)));
    },
  };
}
