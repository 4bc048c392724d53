/**
 * Errors of taskql's own domain. They carry no GraphQL: the API maps each to the contract's
 * `extensions.code` in one place (`src/api/errors.ts`).
 */

/** One problem with a client's input: where (`input.ms`, `inputs.3.type`) and what. */
export interface InputIssue {
  path: string;
  message: string;
}

/**
 * A client asked for something invalid; the message says what and where. Schema checks also list
 * their `issues` one by one, so that a form can show each next to its field.
 */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    message: string,
    readonly issues: readonly InputIssue[] = [],
  ) {
    super(message);
  }
}

/** No such task (or not one this caller may see). */
export class TaskNotFoundError extends Error {
  override name = 'TaskNotFoundError';
  constructor(readonly taskId: string) {
    super(`task ${taskId} not found`);
  }
}

/** No such schedule (or not one this caller may see). */
export class ScheduleNotFoundError extends Error {
  override name = 'ScheduleNotFoundError';
  constructor(readonly scheduleId: string) {
    super(`schedule ${scheduleId} not found`);
  }
}

/** No such flow (or not one this caller may see). */
export class FlowNotFoundError extends Error {
  override name = 'FlowNotFoundError';
  constructor(readonly flowId: string) {
    super(`flow ${flowId} not found`);
  }
}

/** The task's state does not allow what was asked (cancelling a finished task, retrying a live one). */
export class TaskConflictError extends Error {
  override name = 'TaskConflictError';
}

/** The caller is known but lacks the right to do this. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/** Too many requests from one caller. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
}

/** MongoDB or Redis could not be reached in time; whatever was asked was not half-done. */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
  /** What became of the request, when said; without it, nothing was changed. */
  readonly detail: string | undefined;

  /** @param options.detail what became of the request, when there is more to say than that it failed */
  constructor(
    readonly dependency: 'MongoDB' | 'Redis',
    options?: ErrorOptions & { detail?: string },
  ) {
    super(`${dependency} is unavailable${options?.detail ? `: ${options.detail}` : ''}`, options);
    this.detail = options?.detail;
  }
}

/**
 * Await a Redis call, turning its failure into {@link DependencyUnavailableError}. taskql's
 * commands are well-formed, so a failed one means Redis is away, refusing or too slow: whatever
 * the caller was doing must be answered as SERVICE_UNAVAILABLE, not as an internal error.
 */
export async function redisCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw new DependencyUnavailableError('Redis', { cause: error });
  }
}
