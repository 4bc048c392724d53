/**
 * The one place where errors become what clients see — a GraphQL error with the contract's
 * `extensions.code`, and no internals (stack, driver messages) in anything unexpected — and where
 * they are logged: a client's mistake is not the server's error.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AuthenticationError } from '../auth/authenticator.ts';
import {
  DependencyUnavailableError,
  FlowNotFoundError,
  ForbiddenError,
  InvalidInputError,
  RateLimitedError,
  ScheduleNotFoundError,
  TaskConflictError,
  TaskNotFoundError,
} from '../errors.ts';
import type { Logger } from '../logger.ts';

/** The error codes of the client contract (docs/contract.md, "Errors"). */
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
 * What a SERVICE_UNAVAILABLE message says became of the request: the error's own detail when it
 * has one; for a field below the operation's first (say `enqueueFlow.tasks.0.dependsOn`, read
 * after the mutation was done) only that it could not be read; else that nothing was changed.
 */
function unavailableOutcome(cause: DependencyUnavailableError, path: readonly (string | number)[] | undefined): string {
  if (cause.detail) return '';
  if (path && path.length > 1) return `${path.join('.')} could not be read (what ${String(path[0])} did stands), `;
  return 'nothing was changed, ';
}

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
  if (cause instanceof TaskNotFoundError || cause instanceof ScheduleNotFoundError || cause instanceof FlowNotFoundError) return located(cause.message, { code: 'NOT_FOUND' });
  if (cause instanceof TaskConflictError) return located(cause.message, { code: 'CONFLICT' });
  if (cause instanceof AuthenticationError) return located(cause.message, { code: 'UNAUTHENTICATED', http: { status: 401 } });
  if (cause instanceof ForbiddenError) return located(cause.message, { code: 'FORBIDDEN' });
  if (cause instanceof RateLimitedError) return located(cause.message, { code: 'RATE_LIMITED', http: { status: 429 } });
  if (cause instanceof DependencyUnavailableError) {
    return located(`${cause.message}; ${unavailableOutcome(cause, graphQLError?.path)}try again shortly`, { code: 'SERVICE_UNAVAILABLE' });
  }
  if (cause instanceof GraphQLError && cause !== graphQLError) return toContractError(cause);
  if (graphQLError && !graphQLError.originalError) {
    const limit = queryLimitExceeded(graphQLError.message);
    if (limit) return located(limit.message, { code: 'BAD_USER_INPUT', reason: limit.reason });
    const code = graphQLError.extensions['code'];
    if (typeof code === 'string' && contractCodes.has(code)) return graphQLError;
    return located(graphQLError.message, { code: 'BAD_USER_INPUT', ...(typeof code === 'string' && { reason: code }) });
  }
  return located('Internal server error', { code: 'INTERNAL_SERVER_ERROR' });
}

/**
 * graphql-armor's limits, as it words them (every one prefixed "Syntax Error:", although only the
 * token limit is met while parsing), and what the client is told instead: the limit and what was
 * found, without the prefix, and `extensions.reason` naming the limit.
 */
const QUERY_LIMITS: readonly { pattern: RegExp; reason: string; message: (limit: string, found?: string) => string }[] = [
  {
    // The cost it found is fractional (nested selections cost 1.5 times more per level).
    pattern: /^Syntax Error: Query Cost limit of (\d+) exceeded, found ([\d.]+)\.$/,
    reason: 'QUERY_COST_LIMIT',
    message: (limit, found) => `query cost ${Math.ceil(Number(found))} is over the limit of ${limit}: select fewer fields or ask for smaller pages (first)`,
  },
  {
    pattern: /^Syntax Error: Query depth limit of (\d+) exceeded, found (\d+)\.$/,
    reason: 'QUERY_DEPTH_LIMIT',
    message: (limit, found) => `query depth ${found} is over the limit of ${limit}`,
  },
  {
    pattern: /^Syntax Error: Aliases limit of (\d+) exceeded, found (\d+)\.$/,
    reason: 'ALIAS_LIMIT',
    message: (limit, found) => `${found} aliases, more than the ${limit} allowed`,
  },
  {
    pattern: /^Syntax Error: Directives limit of (\d+) exceeded, found (\d+)\.$/,
    reason: 'DIRECTIVE_LIMIT',
    message: (limit, found) => `${found} directives, more than the ${limit} allowed`,
  },
  {
    pattern: /^Syntax Error: Token limit of (\d+) exceeded\.$/,
    reason: 'TOKEN_LIMIT',
    message: (limit) => `the document has more than ${limit} tokens`,
  },
];

/** The client's message and reason for a graphql-armor limit `message`, or null for any other. */
export function queryLimitExceeded(message: string): { message: string; reason: string } | null {
  for (const limit of QUERY_LIMITS) {
    const match = limit.pattern.exec(message);
    if (match) return { message: limit.message(match[1] ?? '', match[2]), reason: limit.reason };
  }
  return null;
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

/**
 * yoga's logger, writing to `logger`. yoga logs every error it masks, that is every error a client
 * is answered with: a client's mistake (BAD_USER_INPUT, NOT_FOUND, CONFLICT, UNAUTHENTICATED,
 * FORBIDDEN, RATE_LIMITED) is logged at info with its code and message, a dependency that is down
 * (SERVICE_UNAVAILABLE) at warn with its cause, and only what the client sees as
 * INTERNAL_SERVER_ERROR at error, with its stack. Each error is logged once, although yoga may
 * mask one twice.
 */
export function yogaLogging(logger: Logger): Record<'debug' | 'info' | 'warn' | 'error', (...args: unknown[]) => void> {
  const logged = new WeakSet<Error>();
  const line = (args: unknown[]) => args.map(String).join(' ');
  return {
    debug: (...args: unknown[]) => logger.debug(line(args)),
    info: (...args: unknown[]) => logger.info(line(args)),
    warn: (...args: unknown[]) => logger.warn(line(args)),
    error: (...args: unknown[]) => {
      const error = args.find((a) => a instanceof Error);
      if (!error) return logger.error(line(args));
      if (logged.has(error)) return;
      logged.add(error);
      const answered = toContractError(error);
      const { code, reason } = answered.extensions;
      const where = answered.path ? { path: answered.path.join('.') } : {};
      if (code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error }, line(args));
      else if (code === 'SERVICE_UNAVAILABLE') logger.warn({ code, ...where, cause: causeMessage(error) }, answered.message);
      else logger.info({ code, ...(reason ? { reason } : {}), ...where }, answered.message);
    },
  };
}

/** What a dependency's driver said, for an error that says the dependency is down. */
function causeMessage(error: Error): string | undefined {
  const { cause } = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  return cause instanceof Error ? cause.message : undefined;
}
