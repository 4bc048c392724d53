/**
 * Per-owner rate limits on mutations and on new subscriptions, counted in Redis so that every API
 * process shares one budget per owner (rate-limiter-flexible's fixed windows of one minute).
 */
import { getOperationAST, OperationTypeNode, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RedisConnection } from '../redis/connections.ts';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Principal } from '../auth/principal.ts';
import { RateLimitedError } from '../errors.ts';
import { toContractError } from './errors.ts';

/** Which budget an operation draws on. */
export type RateLimited = 'mutation' | 'subscription';

export class RateLimits {
  readonly #limiters: Record<RateLimited, RateLimiterRedis>;

  constructor(redis: RedisConnection, prefix: string, perMinute: Record<RateLimited, number>) {
    const limiter = (kind: RateLimited) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:rate:${kind}`, points: perMinute[kind], duration: 60 });
    this.#limiters = { mutation: limiter('mutation'), subscription: limiter('subscription') };
  }

  /**
   * Take one from `principal`'s `kind` budget; RateLimitedError when it is spent. When Redis
   * cannot be asked the request goes on: the limit guards capacity, and the operation itself
   * reports an unavailable Redis.
   */
  async take(principal: Principal, kind: RateLimited): Promise<void> {
    try {
      await this.#limiters[kind].consume(principal.owner);
    } catch (result) {
      if (!(result instanceof RateLimiterRes)) return;
      const seconds = Math.ceil(result.msBeforeNext / 1000);
      throw new RateLimitedError(`too many ${kind}s for ${principal.owner}: try again in ${seconds} s`);
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
