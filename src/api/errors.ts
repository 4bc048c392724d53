/**
 * The one place where errors become what clients see: a GraphQL error with the contract's
 * `extensions.code`, and no internals (stack, driver messages) in anything unexpected.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AuthenticationError } from '../auth/authenticator.ts';
import { DependencyUnavailableError, ForbiddenError, InvalidInputError, RateLimitedError, TaskConflictError, TaskNotFoundError } from '../errors.ts';

/** The error codes of the client contract. */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const contractCodes: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * The GraphQL error a client gets for `error`:
 * - taskql's domain errors map to their codes;
 * - a GraphQL error raised by GraphQL itself or by yoga about the request (syntax, validation,
 *   variables, body size) is the client's input: BAD_USER_INPUT, with yoga's own code, if any,
 *   kept as `extensions.reason`;
 * - anything else is INTERNAL_SERVER_ERROR with a fixed message.
 */
export function toContractError(error: unknown): GraphQLError {
  const graphQLError = error instanceof GraphQLError ? error : undefined;
  const cause = graphQLError?.originalError ?? error;
  // Keep where the error happened and yoga's HTTP status; drop anything else, such as the
  // `originalError` yoga attaches to request-parsing errors.
  const located = (message: string, extensions: Record<string, unknown>) =>
    new GraphQLError(message, {
      nodes: graphQLError?.nodes,
      path: graphQLError?.path,
      extensions: { ...(graphQLError?.extensions['http'] ? { http: graphQLError.extensions['http'] } : {}), ...extensions },
    });

  if (cause instanceof InvalidInputError) {
    return located(cause.message, { code: 'BAD_USER_INPUT', ...(cause.issues.length > 0 && { issues: cause.issues }) });
  }
  if (cause instanceof TaskNotFoundError) return located(cause.message, { code: 'NOT_FOUND' });
  if (cause instanceof TaskConflictError) return located(cause.message, { code: 'CONFLICT' });
  if (cause instanceof AuthenticationError) return located(cause.message, { code: 'UNAUTHENTICATED', http: { status: 401 } });
  if (cause instanceof ForbiddenError) return located(cause.message, { code: 'FORBIDDEN' });
  if (cause instanceof RateLimitedError) return located(cause.message, { code: 'RATE_LIMITED', http: { status: 429 } });
  if (cause instanceof DependencyUnavailableError) {
    return located(`${cause.message}; nothing was changed, try again shortly`, { code: 'SERVICE_UNAVAILABLE' });
  }
  if (cause instanceof GraphQLError && cause !== graphQLError) return toContractError(cause);
  if (graphQLError && !graphQLError.originalError) {
    const code = graphQLError.extensions['code'];
    if (typeof code === 'string' && contractCodes.has(code)) return graphQLError;
    return located(graphQLError.message, { code: 'BAD_USER_INPUT', ...(typeof code === 'string' && { reason: code }) });
  }
  return located('Internal server error', { code: 'INTERNAL_SERVER_ERROR' });
}

/**
 * A yoga plugin that gives request-level errors (malformed JSON, oversized body, syntax,
 * validation) the contract's codes; errors from execution already pass through `toContractError`
 * as yoga's `maskError`.
 */
export function useContractErrorCodes(): Plugin {
  return {
    onResultProcess: (payload) => {
      const { result } = payload;
      const results = Array.isArray(result) ? result : [result];
      const mapped = results.map((r) =>
        r && typeof r === 'object' && 'errors' in r && Array.isArray(r.errors)
          ? { ...r, errors: r.errors.map((e: unknown) => toContractError(e)) }
          : r,
      );
      payload.setResult((Array.isArray(result) ? mapped : mapped[0]) as typeof result);
    },
  };
}
