/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export const AttemptOutcome = {
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  RUNNING: 'RUNNING',
  STALLED: 'STALLED',
  SUCCEEDED: 'SUCCEEDED'
} as const;

export type AttemptOutcome = typeof AttemptOutcome[keyof typeof AttemptOutcome];
/** What a flow task does when a task it depends on FAILED or was CANCELLED. */
export const DependencyFailure = {
  /** It FAILED too, without running; its error names the dependency. */
  FAIL: 'FAIL',
  /** It runs once all its dependencies are final; ctx.dependencies shows how each ended. */
  RUN: 'RUN',
  /** It is CANCELLED without running, through a SKIPPED event that gives the reason. */
  SKIP: 'SKIP'
} as const;

export type DependencyFailure = typeof DependencyFailure[keyof typeof DependencyFailure];
export type EnqueueFlowInput = {
  /** The owner's flow submitted with the same key, instead of a new one. */
  idempotencyKey?: string | null | undefined;
  name?: string | null | undefined;
  /** Tags of the flow, given to each of its tasks too. */
  tags?: Array<string> | null | undefined;
  /** 1 to 1000 tasks. */
  tasks: Array<FlowTaskInput>;
};

export type EnqueueTaskInput = {
  /** The key its type's concurrency and rate limits count it under (e.g. a tenant or user id), overriding the type's key function; 1 to 256 characters. */
  concurrencyKey?: string | null | undefined;
  /** With idempotencyKey: when the retained task of that key was enqueued with another input, CONFLICT instead of that task (inputs compared as JSON, whatever the order of keys). Default false. */
  conflictOnDifferentInput?: boolean | null | undefined;
  /** Run this much later (at most a year); or runAt, not both. */
  delayMs?: number | null | undefined;
  /** Same key and type while the first task is retained: that task, deduplicated: true — and this input is dropped, even when it differs (see conflictOnDifferentInput). */
  idempotencyKey?: string | null | undefined;
  /** Validated against the type's input schema; default {}. */
  input?: unknown;
  /** Default: the type's. 1 to 100. */
  maxAttempts?: number | null | undefined;
  /** 0 (default) to 10; higher starts first within a queue. */
  priority?: number | null | undefined;
  /** Default: the type's queue. Any other must be a queue some task type uses or workers are configured to serve (WORKER_QUEUES); an unknown one is BAD_USER_INPUT naming the known queues. */
  queue?: string | null | undefined;
  /** How long a finished task is kept (0: for ever); default from configuration. */
  resultTtlSeconds?: number | null | undefined;
  /** Run at this time (at most a year ahead; a past time runs now). */
  runAt?: string | null | undefined;
  /** At most 20, each 1 to 64 characters. */
  tags?: Array<string> | null | undefined;
  type: string;
};

/** RUNNING while any of its tasks is unfinished; then FAILED when one FAILED, CANCELLED when one was cancelled or skipped, else SUCCEEDED. */
export const FlowState = {
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED'
} as const;

export type FlowState = typeof FlowState[keyof typeof FlowState];
export type FlowTaskInput = {
  /** The key its type's limits count it under; 1 to 256 characters. */
  concurrencyKey?: string | null | undefined;
  /** Run at least this much after the flow is submitted (at most a year). */
  delayMs?: number | null | undefined;
  /** The refs of the tasks this one waits for: it runs when all of them SUCCEEDED. */
  dependsOn?: Array<string> | null | undefined;
  /** Validated against the type's input schema; default {}. */
  input?: unknown;
  /** Default: the type's. 1 to 100. */
  maxAttempts?: number | null | undefined;
  onDependencyFailure?: DependencyFailure | null | undefined;
  /** 0 (default) to 10; higher starts first within a queue. */
  priority?: number | null | undefined;
  /** Default: the type's queue. */
  queue?: string | null | undefined;
  /** Unique within the flow (letters, digits, _, . and -, at most 64); dependsOn names refs. */
  ref: string;
  /** Besides the flow's tags. */
  tags?: Array<string> | null | undefined;
  type: string;
};

export const LogLevel = {
  DEBUG: 'DEBUG',
  ERROR: 'ERROR',
  INFO: 'INFO',
  WARN: 'WARN'
} as const;

export type LogLevel = typeof LogLevel[keyof typeof LogLevel];
/** What a schedule does when a run is due while its previous task has not finished. */
export const OverlapPolicy = {
  /** Start the new run as well. */
  ALLOW: 'ALLOW',
  /** Hold one run back and start it when the previous task finishes; further due times meanwhile are skipped. */
  BUFFER_ONE: 'BUFFER_ONE',
  /** Cancel the previous task (recorded CANCELLED with the reason) and start the new run. */
  CANCEL_PREVIOUS: 'CANCEL_PREVIOUS',
  /** Make no task for that due time. */
  SKIP: 'SKIP'
} as const;

export type OverlapPolicy = typeof OverlapPolicy[keyof typeof OverlapPolicy];
export type ScheduleInput = {
  /** After downtime, fire once for the newest missed due time younger than this; 0 makes nothing up. */
  catchUpWindowMs?: number | null | undefined;
  /** Each task's concurrencyKey (see EnqueueTaskInput.concurrencyKey). */
  concurrencyKey?: string | null | undefined;
  /** 5- or 6-field cron (seconds first when 6); or every, not both. */
  cron?: string | null | undefined;
  /** Milliseconds between runs, at least 1000. */
  every?: number | null | undefined;
  /** Validated against the type's input schema; default {}. */
  input?: unknown;
  maxAttempts?: number | null | undefined;
  /** Unique per owner; createSchedule with an existing name updates it. */
  name: string;
  overlap?: OverlapPolicy | null | undefined;
  priority?: number | null | undefined;
  queue?: string | null | undefined;
  tags?: Array<string> | null | undefined;
  /** IANA name the cron is read in. */
  timezone?: string | null | undefined;
  type: string;
};

export const TaskEventType = {
  CANCELLED: 'CANCELLED',
  CREATED: 'CREATED',
  DEFERRED: 'DEFERRED',
  FAILED: 'FAILED',
  LOG_TRUNCATED: 'LOG_TRUNCATED',
  PROGRESS: 'PROGRESS',
  READY: 'READY',
  REQUEUED: 'REQUEUED',
  RETRY_SCHEDULED: 'RETRY_SCHEDULED',
  SKIPPED: 'SKIPPED',
  STARTED: 'STARTED',
  SUCCEEDED: 'SUCCEEDED',
  WAITING: 'WAITING'
} as const;

export type TaskEventType = typeof TaskEventType[keyof typeof TaskEventType];
/** Every part that is set must match. */
export type TaskFilter = {
  createdAfter?: string | null | undefined;
  createdBefore?: string | null | undefined;
  queues?: Array<string> | null | undefined;
  states?: Array<TaskState> | null | undefined;
  /** A task matches when it has all of them. */
  tags?: Array<string> | null | undefined;
  types?: Array<string> | null | undefined;
};

export const TaskOrder = {
  CREATED_AT_ASC: 'CREATED_AT_ASC',
  CREATED_AT_DESC: 'CREATED_AT_DESC',
  UPDATED_AT_DESC: 'UPDATED_AT_DESC'
} as const;

export type TaskOrder = typeof TaskOrder[keyof typeof TaskOrder];
export const TaskState = {
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  PENDING: 'PENDING',
  RETRYING: 'RETRYING',
  RUNNING: 'RUNNING',
  SCHEDULED: 'SCHEDULED',
  SUCCEEDED: 'SUCCEEDED',
  WAITING: 'WAITING'
} as const;

export type TaskState = typeof TaskState[keyof typeof TaskState];
/** Why a PENDING or WAITING task is not running now. */
export const WaitReason = {
  /** It waits for the children its handler spawned. */
  CHILDREN: 'CHILDREN',
  /** Its concurrency key has as many attempts running as its limit allows. */
  CONCURRENCY_LIMIT: 'CONCURRENCY_LIMIT',
  /** Tasks it depends on have not all succeeded. */
  DEPENDENCIES: 'DEPENDENCIES',
  /** Its queue is paused (pauseQueue). */
  QUEUE_PAUSED: 'QUEUE_PAUSED',
  /** Its rate limit's window is full, or its handler deferred it. */
  RATE_LIMIT: 'RATE_LIMIT'
} as const;

export type WaitReason = typeof WaitReason[keyof typeof WaitReason];
export type TaskFamilyQueryVariables = Exact<{
  id: string;
}>;


export type TaskFamilyQuery = { task: { id: string, type: string, state: TaskState, waitReason: WaitReason | null, result: unknown, idempotencyKey: string | null, flowId: string | null, error: { name: string, message: string, retryable: boolean } | null, attempts: Array<{ number: number, outcome: AttemptOutcome }>, parent: { id: string, type: string, state: TaskState } | null, children: Array<{ id: string, type: string, state: TaskState, result: unknown, failParentOnChildFailure: boolean, error: { name: string, message: string } | null, children: Array<{ id: string, state: TaskState }> }> } | null };

export type PauseQueueMutationVariables = Exact<{
  name: string;
}>;


export type PauseQueueMutation = { pauseQueue: { name: string, pending: number, scheduled: number, running: number, retrying: number, succeeded: number, failed: number, cancelled: number, workers: number, paused: boolean, concurrencyLimit: number | null, rateLimit: { max: number, perMs: number } | null } };

export type ResumeQueueMutationVariables = Exact<{
  name: string;
}>;


export type ResumeQueueMutation = { resumeQueue: { name: string, pending: number, scheduled: number, running: number, retrying: number, succeeded: number, failed: number, cancelled: number, workers: number, paused: boolean, concurrencyLimit: number | null, rateLimit: { max: number, perMs: number } | null } };

export type TaskWaitReasonQueryVariables = Exact<{
  id: string;
}>;


export type TaskWaitReasonQuery = { task: { id: string, state: TaskState, waitReason: WaitReason | null } | null };

export type FlowFieldsFragment = { id: string, name: string | null, state: FlowState, version: number, progress: number, createdAt: string, finishedAt: string | null, tasks: Array<{ id: string, ref: string | null, flowId: string | null, type: string, state: TaskState, waitReason: WaitReason | null, result: unknown, error: { name: string, message: string } | null, dependsOn: Array<{ id: string, ref: string | null }>, parent: { id: string } | null, children: Array<{ id: string }> }> };

export type EnqueueFlowMutationVariables = Exact<{
  input: EnqueueFlowInput;
}>;


export type EnqueueFlowMutation = { enqueueFlow: { id: string, name: string | null, state: FlowState, version: number, progress: number, createdAt: string, finishedAt: string | null, tasks: Array<{ id: string, ref: string | null, flowId: string | null, type: string, state: TaskState, waitReason: WaitReason | null, result: unknown, error: { name: string, message: string } | null, dependsOn: Array<{ id: string, ref: string | null }>, parent: { id: string } | null, children: Array<{ id: string }> }> } };

export type CancelFlowMutationVariables = Exact<{
  id: string;
  reason?: string | null | undefined;
}>;


export type CancelFlowMutation = { cancelFlow: { id: string, name: string | null, state: FlowState, version: number, progress: number, createdAt: string, finishedAt: string | null, tasks: Array<{ id: string, ref: string | null, flowId: string | null, type: string, state: TaskState, waitReason: WaitReason | null, result: unknown, error: { name: string, message: string } | null, dependsOn: Array<{ id: string, ref: string | null }>, parent: { id: string } | null, children: Array<{ id: string }> }> } };

export type FlowQueryVariables = Exact<{
  id: string;
}>;


export type FlowQuery = { flow: { id: string, name: string | null, state: FlowState, version: number, progress: number, createdAt: string, finishedAt: string | null, tasks: Array<{ id: string, ref: string | null, flowId: string | null, type: string, state: TaskState, waitReason: WaitReason | null, result: unknown, error: { name: string, message: string } | null, dependsOn: Array<{ id: string, ref: string | null }>, parent: { id: string } | null, children: Array<{ id: string }> }> } | null };

export type FlowUpdatedSubscriptionVariables = Exact<{
  id: string;
}>;


export type FlowUpdatedSubscription = { flowUpdated: { id: string, state: FlowState, version: number, progress: number, finishedAt: string | null } };

export type FlowTaskFieldsFragment = { ref: string | null, id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, tags: Array<string>, priority: number, version: number, attempt: number, maxAttempts: number, createdAt: string, startedAt: string | null, finishedAt: string | null, updatedAt: string, dependsOn: Array<{ id: string }>, progress: { percent: number | null, message: string | null } | null };

export type FlowPageQueryVariables = Exact<{
  id: string;
}>;


export type FlowPageQuery = { flow: { id: string, name: string | null, state: FlowState, version: number, progress: number, tasks: Array<{ ref: string | null, id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, tags: Array<string>, priority: number, version: number, attempt: number, maxAttempts: number, createdAt: string, startedAt: string | null, finishedAt: string | null, updatedAt: string, dependsOn: Array<{ id: string }>, progress: { percent: number | null, message: string | null } | null }> } | null };

export type TaskRowFieldsFragment = { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, tags: Array<string>, priority: number, version: number, attempt: number, maxAttempts: number, createdAt: string, startedAt: string | null, finishedAt: string | null, updatedAt: string, progress: { percent: number | null, message: string | null } | null };

export type TasksQueryVariables = Exact<{
  filter?: TaskFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  orderBy?: TaskOrder | null | undefined;
}>;


export type TasksQuery = { tasks: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, tags: Array<string>, priority: number, version: number, attempt: number, maxAttempts: number, createdAt: string, startedAt: string | null, finishedAt: string | null, updatedAt: string, progress: { percent: number | null, message: string | null } | null } }> } };

export type TaskFeedSubscriptionVariables = Exact<{
  filter?: TaskFilter | null | undefined;
}>;


export type TaskFeedSubscription = { taskFeed: { taskId: string, version: number, type: TaskEventType, state: TaskState, task: { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, tags: Array<string>, priority: number, version: number, attempt: number, maxAttempts: number, createdAt: string, startedAt: string | null, finishedAt: string | null, updatedAt: string, progress: { percent: number | null, message: string | null } | null } } };

export type QueueStatsFieldsFragment = { name: string, pending: number, scheduled: number, running: number, retrying: number, succeeded: number, failed: number, cancelled: number, workers: number, paused: boolean, concurrencyLimit: number | null, rateLimit: { max: number, perMs: number } | null };

export type QueuesQueryVariables = Exact<{ [key: string]: never; }>;


export type QueuesQuery = { queues: Array<{ name: string, pending: number, scheduled: number, running: number, retrying: number, succeeded: number, failed: number, cancelled: number, workers: number, paused: boolean, concurrencyLimit: number | null, rateLimit: { max: number, perMs: number } | null }> };

export type QueueStatsUpdatedSubscriptionVariables = Exact<{
  queue?: string | null | undefined;
}>;


export type QueueStatsUpdatedSubscription = { queueStatsUpdated: { name: string, pending: number, scheduled: number, running: number, retrying: number, succeeded: number, failed: number, cancelled: number, workers: number, paused: boolean, concurrencyLimit: number | null, rateLimit: { max: number, perMs: number } | null } };

export type WorkersQueryVariables = Exact<{ [key: string]: never; }>;


export type WorkersQuery = { workers: Array<{ id: string, hostname: string, pid: number, queues: Array<string>, concurrency: number, startedAt: string, heartbeatAt: string }> };

export type OutputChunkFragment = { seq: number, at: string, stream: string, data: string };

export type LogLineFragment = { seq: number, at: string, attempt: number, level: LogLevel, message: string, data: unknown };

export type TaskOutputQueryVariables = Exact<{
  id: string;
  stream?: string | null | undefined;
  after?: number | null | undefined;
}>;


export type TaskOutputQuery = { task: { id: string, state: TaskState, output: Array<{ seq: number, at: string, stream: string, data: string }> } | null };

export type TaskLogsQueryVariables = Exact<{
  id: string;
  after?: number | null | undefined;
  last?: number | null | undefined;
}>;


export type TaskLogsQuery = { task: { id: string, state: TaskState, logs: Array<{ seq: number, at: string, attempt: number, level: LogLevel, message: string, data: unknown }> } | null };

export type TaskOutputStreamSubscriptionVariables = Exact<{
  id: string;
  stream?: string | null | undefined;
  after?: number | null | undefined;
}>;


export type TaskOutputStreamSubscription = { taskOutput: { seq: number, at: string, stream: string, data: string } };

export type TaskLogStreamSubscriptionVariables = Exact<{
  id: string;
  after?: number | null | undefined;
}>;


export type TaskLogStreamSubscription = { taskLogs: { seq: number, at: string, attempt: number, level: LogLevel, message: string, data: unknown } };

export type ScheduleFieldsFragment = { id: string, name: string, type: string, input: unknown, cron: string | null, every: number | null, timezone: string, overlap: OverlapPolicy, catchUpWindowMs: number, paused: boolean, nextRunAt: string | null, lastRunAt: string | null, createdAt: string, updatedAt: string, lastTask: { id: string, state: TaskState, scheduleId: string | null } | null };

export type CreateScheduleMutationVariables = Exact<{
  input: ScheduleInput;
}>;


export type CreateScheduleMutation = { createSchedule: { id: string, name: string, type: string, input: unknown, cron: string | null, every: number | null, timezone: string, overlap: OverlapPolicy, catchUpWindowMs: number, paused: boolean, nextRunAt: string | null, lastRunAt: string | null, createdAt: string, updatedAt: string, lastTask: { id: string, state: TaskState, scheduleId: string | null } | null } };

export type UpdateScheduleMutationVariables = Exact<{
  id: string;
  input: ScheduleInput;
}>;


export type UpdateScheduleMutation = { updateSchedule: { id: string, name: string, type: string, input: unknown, cron: string | null, every: number | null, timezone: string, overlap: OverlapPolicy, catchUpWindowMs: number, paused: boolean, nextRunAt: string | null, lastRunAt: string | null, createdAt: string, updatedAt: string, lastTask: { id: string, state: TaskState, scheduleId: string | null } | null } };

export type PauseScheduleMutationVariables = Exact<{
  id: string;
}>;


export type PauseScheduleMutation = { pauseSchedule: { id: string, name: string, type: string, input: unknown, cron: string | null, every: number | null, timezone: string, overlap: OverlapPolicy, catchUpWindowMs: number, paused: boolean, nextRunAt: string | null, lastRunAt: string | null, createdAt: string, updatedAt: string, lastTask: { id: string, state: TaskState, scheduleId: string | null } | null } };

export type ResumeScheduleMutationVariables = Exact<{
  id: string;
}>;


export type ResumeScheduleMutation = { resumeSchedule: { id: string, name: string, type: string, input: unknown, cron: string | null, every: number | null, timezone: string, overlap: OverlapPolicy, catchUpWindowMs: number, paused: boolean, nextRunAt: string | null, lastRunAt: string | null, createdAt: string, updatedAt: string, lastTask: { id: string, state: TaskState, scheduleId: string | null } | null } };

export type DeleteScheduleMutationVariables = Exact<{
  id: string;
}>;


export type DeleteScheduleMutation = { deleteSchedule: boolean };

export type TriggerScheduleMutationVariables = Exact<{
  id: string;
}>;


export type TriggerScheduleMutation = { triggerSchedule: { id: string, state: TaskState, scheduleId: string | null } };

export type ScheduleQueryVariables = Exact<{
  id: string;
}>;


export type ScheduleQuery = { schedule: { id: string, name: string, type: string, input: unknown, cron: string | null, every: number | null, timezone: string, overlap: OverlapPolicy, catchUpWindowMs: number, paused: boolean, nextRunAt: string | null, lastRunAt: string | null, createdAt: string, updatedAt: string, tasks: { totalCount: number, edges: Array<{ node: { id: string, state: TaskState, scheduleId: string | null, idempotencyKey: string | null, createdAt: string } }> }, lastTask: { id: string, state: TaskState, scheduleId: string | null } | null } | null };

export type SchedulesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SchedulesQuery = { schedules: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, name: string, type: string, input: unknown, cron: string | null, every: number | null, timezone: string, overlap: OverlapPolicy, catchUpWindowMs: number, paused: boolean, nextRunAt: string | null, lastRunAt: string | null, createdAt: string, updatedAt: string, lastTask: { id: string, state: TaskState, scheduleId: string | null } | null } }> } };

export type TaskFieldsFragment = { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, input: unknown, result: unknown, attempt: number, maxAttempts: number, priority: number, tags: Array<string>, idempotencyKey: string | null, concurrencyKey: string | null, owner: string, flowId: string | null, version: number, createdAt: string, runAt: string | null, startedAt: string | null, finishedAt: string | null, updatedAt: string, expiresAt: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null, progress: { percent: number | null, message: string | null, data: unknown, updatedAt: string } | null, attempts: Array<{ number: number, startedAt: string, finishedAt: string | null, outcome: AttemptOutcome, workerId: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null }> };

export type TaskEventFieldsFragment = { taskId: string, version: number, type: TaskEventType, state: TaskState, at: string, attempt: number, nextRunAt: string | null, reason: string | null, progress: { percent: number | null, message: string | null, data: unknown } | null, error: { name: string, message: string, retryable: boolean } | null };

export type EnqueueTaskMutationVariables = Exact<{
  input: EnqueueTaskInput;
}>;


export type EnqueueTaskMutation = { enqueueTask: { deduplicated: boolean, task: { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, input: unknown, result: unknown, attempt: number, maxAttempts: number, priority: number, tags: Array<string>, idempotencyKey: string | null, concurrencyKey: string | null, owner: string, flowId: string | null, version: number, createdAt: string, runAt: string | null, startedAt: string | null, finishedAt: string | null, updatedAt: string, expiresAt: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null, progress: { percent: number | null, message: string | null, data: unknown, updatedAt: string } | null, attempts: Array<{ number: number, startedAt: string, finishedAt: string | null, outcome: AttemptOutcome, workerId: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null }> } } };

export type EnqueueTasksMutationVariables = Exact<{
  inputs: Array<EnqueueTaskInput> | EnqueueTaskInput;
}>;


export type EnqueueTasksMutation = { enqueueTasks: Array<{ deduplicated: boolean, task: { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, input: unknown, result: unknown, attempt: number, maxAttempts: number, priority: number, tags: Array<string>, idempotencyKey: string | null, concurrencyKey: string | null, owner: string, flowId: string | null, version: number, createdAt: string, runAt: string | null, startedAt: string | null, finishedAt: string | null, updatedAt: string, expiresAt: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null, progress: { percent: number | null, message: string | null, data: unknown, updatedAt: string } | null, attempts: Array<{ number: number, startedAt: string, finishedAt: string | null, outcome: AttemptOutcome, workerId: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null }> } }> };

export type CancelTaskMutationVariables = Exact<{
  id: string;
  reason?: string | null | undefined;
}>;


export type CancelTaskMutation = { cancelTask: { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, input: unknown, result: unknown, attempt: number, maxAttempts: number, priority: number, tags: Array<string>, idempotencyKey: string | null, concurrencyKey: string | null, owner: string, flowId: string | null, version: number, createdAt: string, runAt: string | null, startedAt: string | null, finishedAt: string | null, updatedAt: string, expiresAt: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null, progress: { percent: number | null, message: string | null, data: unknown, updatedAt: string } | null, attempts: Array<{ number: number, startedAt: string, finishedAt: string | null, outcome: AttemptOutcome, workerId: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null }> } };

export type RetryTaskMutationVariables = Exact<{
  id: string;
}>;


export type RetryTaskMutation = { retryTask: { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, input: unknown, result: unknown, attempt: number, maxAttempts: number, priority: number, tags: Array<string>, idempotencyKey: string | null, concurrencyKey: string | null, owner: string, flowId: string | null, version: number, createdAt: string, runAt: string | null, startedAt: string | null, finishedAt: string | null, updatedAt: string, expiresAt: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null, progress: { percent: number | null, message: string | null, data: unknown, updatedAt: string } | null, attempts: Array<{ number: number, startedAt: string, finishedAt: string | null, outcome: AttemptOutcome, workerId: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null }> } };

export type TaskQueryVariables = Exact<{
  id: string;
}>;


export type TaskQuery = { task: { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, input: unknown, result: unknown, attempt: number, maxAttempts: number, priority: number, tags: Array<string>, idempotencyKey: string | null, concurrencyKey: string | null, owner: string, flowId: string | null, version: number, createdAt: string, runAt: string | null, startedAt: string | null, finishedAt: string | null, updatedAt: string, expiresAt: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null, progress: { percent: number | null, message: string | null, data: unknown, updatedAt: string } | null, attempts: Array<{ number: number, startedAt: string, finishedAt: string | null, outcome: AttemptOutcome, workerId: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null }> } | null };

export type TaskHistoryQueryVariables = Exact<{
  id: string;
  afterVersion?: number | null | undefined;
}>;


export type TaskHistoryQuery = { task: { id: string, version: number, events: Array<{ taskId: string, version: number, type: TaskEventType, state: TaskState, at: string, attempt: number, nextRunAt: string | null, reason: string | null, progress: { percent: number | null, message: string | null, data: unknown } | null, error: { name: string, message: string, retryable: boolean } | null }> } | null };

export type TaskTypesQueryVariables = Exact<{ [key: string]: never; }>;


export type TaskTypesQuery = { taskTypes: Array<{ name: string, queue: string, description: string | null, inputSchema: unknown, maxAttempts: number, timeoutMs: number | null }> };

export type TaskUpdatedSubscriptionVariables = Exact<{
  id: string;
}>;


export type TaskUpdatedSubscription = { taskUpdated: { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, input: unknown, result: unknown, attempt: number, maxAttempts: number, priority: number, tags: Array<string>, idempotencyKey: string | null, concurrencyKey: string | null, owner: string, flowId: string | null, version: number, createdAt: string, runAt: string | null, startedAt: string | null, finishedAt: string | null, updatedAt: string, expiresAt: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null, progress: { percent: number | null, message: string | null, data: unknown, updatedAt: string } | null, attempts: Array<{ number: number, startedAt: string, finishedAt: string | null, outcome: AttemptOutcome, workerId: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null }> } };

export type TaskTimelineSubscriptionVariables = Exact<{
  id: string;
  afterVersion?: number | null | undefined;
}>;


export type TaskTimelineSubscription = { taskEvents: { taskId: string, version: number, type: TaskEventType, state: TaskState, at: string, attempt: number, nextRunAt: string | null, reason: string | null, task: { id: string, type: string, queue: string, state: TaskState, waitReason: WaitReason | null, input: unknown, result: unknown, attempt: number, maxAttempts: number, priority: number, tags: Array<string>, idempotencyKey: string | null, concurrencyKey: string | null, owner: string, flowId: string | null, version: number, createdAt: string, runAt: string | null, startedAt: string | null, finishedAt: string | null, updatedAt: string, expiresAt: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null, progress: { percent: number | null, message: string | null, data: unknown, updatedAt: string } | null, attempts: Array<{ number: number, startedAt: string, finishedAt: string | null, outcome: AttemptOutcome, workerId: string | null, error: { name: string, message: string, stack: string | null, retryable: boolean } | null }> }, progress: { percent: number | null, message: string | null, data: unknown } | null, error: { name: string, message: string, retryable: boolean } | null } };

export type TaskEventsSubscriptionVariables = Exact<{
  id: string;
  afterVersion?: number | null | undefined;
}>;


export type TaskEventsSubscription = { taskEvents: { taskId: string, version: number, type: TaskEventType, state: TaskState, at: string, attempt: number, nextRunAt: string | null, reason: string | null, task: { id: string, state: TaskState, version: number }, progress: { percent: number | null, message: string | null, data: unknown } | null, error: { name: string, message: string, retryable: boolean } | null } };

export type CreateTaskTokenMutationVariables = Exact<{
  taskIds: Array<string> | string;
  ttlSeconds?: number | null | undefined;
}>;


export type CreateTaskTokenMutation = { createTaskToken: string };

export type TaskMetadataSubscriptionVariables = Exact<{
  id: string;
}>;


export type TaskMetadataSubscription = { taskUpdated: { id: string, state: TaskState, version: number, metadata: unknown } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const FlowFieldsFragmentDoc = new TypedDocumentString(`
    fragment FlowFields on Flow {
  id
  name
  state
  version
  progress
  createdAt
  finishedAt
  tasks {
    id
    ref
    flowId
    type
    state
    waitReason
    result
    error {
      name
      message
    }
    dependsOn {
      id
      ref
    }
    parent {
      id
    }
    children {
      id
    }
  }
}
    `, {"fragmentName":"FlowFields"}) as unknown as TypedDocumentString<FlowFieldsFragment, unknown>;
export const TaskRowFieldsFragmentDoc = new TypedDocumentString(`
    fragment TaskRowFields on Task {
  id
  type
  queue
  state
  waitReason
  tags
  priority
  version
  attempt
  maxAttempts
  progress {
    percent
    message
  }
  createdAt
  startedAt
  finishedAt
  updatedAt
}
    `, {"fragmentName":"TaskRowFields"}) as unknown as TypedDocumentString<TaskRowFieldsFragment, unknown>;
export const FlowTaskFieldsFragmentDoc = new TypedDocumentString(`
    fragment FlowTaskFields on Task {
  ...TaskRowFields
  ref
  dependsOn {
    id
  }
}
    fragment TaskRowFields on Task {
  id
  type
  queue
  state
  waitReason
  tags
  priority
  version
  attempt
  maxAttempts
  progress {
    percent
    message
  }
  createdAt
  startedAt
  finishedAt
  updatedAt
}`, {"fragmentName":"FlowTaskFields"}) as unknown as TypedDocumentString<FlowTaskFieldsFragment, unknown>;
export const QueueStatsFieldsFragmentDoc = new TypedDocumentString(`
    fragment QueueStatsFields on QueueStats {
  name
  pending
  scheduled
  running
  retrying
  succeeded
  failed
  cancelled
  workers
  paused
  concurrencyLimit
  rateLimit {
    max
    perMs
  }
}
    `, {"fragmentName":"QueueStatsFields"}) as unknown as TypedDocumentString<QueueStatsFieldsFragment, unknown>;
export const OutputChunkFragmentDoc = new TypedDocumentString(`
    fragment OutputChunk on TaskOutputChunk {
  seq
  at
  stream
  data
}
    `, {"fragmentName":"OutputChunk"}) as unknown as TypedDocumentString<OutputChunkFragment, unknown>;
export const LogLineFragmentDoc = new TypedDocumentString(`
    fragment LogLine on TaskLogLine {
  seq
  at
  attempt
  level
  message
  data
}
    `, {"fragmentName":"LogLine"}) as unknown as TypedDocumentString<LogLineFragment, unknown>;
export const ScheduleFieldsFragmentDoc = new TypedDocumentString(`
    fragment ScheduleFields on Schedule {
  id
  name
  type
  input
  cron
  every
  timezone
  overlap
  catchUpWindowMs
  paused
  nextRunAt
  lastRunAt
  lastTask {
    id
    state
    scheduleId
  }
  createdAt
  updatedAt
}
    `, {"fragmentName":"ScheduleFields"}) as unknown as TypedDocumentString<ScheduleFieldsFragment, unknown>;
export const TaskFieldsFragmentDoc = new TypedDocumentString(`
    fragment TaskFields on Task {
  id
  type
  queue
  state
  waitReason
  input
  result
  error {
    name
    message
    stack
    retryable
  }
  progress {
    percent
    message
    data
    updatedAt
  }
  attempt
  maxAttempts
  attempts {
    number
    startedAt
    finishedAt
    outcome
    workerId
    error {
      name
      message
      stack
      retryable
    }
  }
  priority
  tags
  idempotencyKey
  concurrencyKey
  owner
  flowId
  version
  createdAt
  runAt
  startedAt
  finishedAt
  updatedAt
  expiresAt
}
    `, {"fragmentName":"TaskFields"}) as unknown as TypedDocumentString<TaskFieldsFragment, unknown>;
export const TaskEventFieldsFragmentDoc = new TypedDocumentString(`
    fragment TaskEventFields on TaskEvent {
  taskId
  version
  type
  state
  at
  attempt
  progress {
    percent
    message
    data
  }
  error {
    name
    message
    retryable
  }
  nextRunAt
  reason
}
    `, {"fragmentName":"TaskEventFields"}) as unknown as TypedDocumentString<TaskEventFieldsFragment, unknown>;
export const TaskFamilyDocument = new TypedDocumentString(`
    query TaskFamily($id: ID!) {
  task(id: $id) {
    id
    type
    state
    waitReason
    result
    error {
      name
      message
      retryable
    }
    attempts {
      number
      outcome
    }
    idempotencyKey
    flowId
    parent {
      id
      type
      state
    }
    children {
      id
      type
      state
      result
      error {
        name
        message
      }
      failParentOnChildFailure
      children {
        id
        state
      }
    }
  }
}
    `) as unknown as TypedDocumentString<TaskFamilyQuery, TaskFamilyQueryVariables>;
export const PauseQueueDocument = new TypedDocumentString(`
    mutation PauseQueue($name: String!) {
  pauseQueue(name: $name) {
    ...QueueStatsFields
  }
}
    fragment QueueStatsFields on QueueStats {
  name
  pending
  scheduled
  running
  retrying
  succeeded
  failed
  cancelled
  workers
  paused
  concurrencyLimit
  rateLimit {
    max
    perMs
  }
}`) as unknown as TypedDocumentString<PauseQueueMutation, PauseQueueMutationVariables>;
export const ResumeQueueDocument = new TypedDocumentString(`
    mutation ResumeQueue($name: String!) {
  resumeQueue(name: $name) {
    ...QueueStatsFields
  }
}
    fragment QueueStatsFields on QueueStats {
  name
  pending
  scheduled
  running
  retrying
  succeeded
  failed
  cancelled
  workers
  paused
  concurrencyLimit
  rateLimit {
    max
    perMs
  }
}`) as unknown as TypedDocumentString<ResumeQueueMutation, ResumeQueueMutationVariables>;
export const TaskWaitReasonDocument = new TypedDocumentString(`
    query TaskWaitReason($id: ID!) {
  task(id: $id) {
    id
    state
    waitReason
  }
}
    `) as unknown as TypedDocumentString<TaskWaitReasonQuery, TaskWaitReasonQueryVariables>;
export const EnqueueFlowDocument = new TypedDocumentString(`
    mutation EnqueueFlow($input: EnqueueFlowInput!) {
  enqueueFlow(input: $input) {
    ...FlowFields
  }
}
    fragment FlowFields on Flow {
  id
  name
  state
  version
  progress
  createdAt
  finishedAt
  tasks {
    id
    ref
    flowId
    type
    state
    waitReason
    result
    error {
      name
      message
    }
    dependsOn {
      id
      ref
    }
    parent {
      id
    }
    children {
      id
    }
  }
}`) as unknown as TypedDocumentString<EnqueueFlowMutation, EnqueueFlowMutationVariables>;
export const CancelFlowDocument = new TypedDocumentString(`
    mutation CancelFlow($id: ID!, $reason: String) {
  cancelFlow(id: $id, reason: $reason) {
    ...FlowFields
  }
}
    fragment FlowFields on Flow {
  id
  name
  state
  version
  progress
  createdAt
  finishedAt
  tasks {
    id
    ref
    flowId
    type
    state
    waitReason
    result
    error {
      name
      message
    }
    dependsOn {
      id
      ref
    }
    parent {
      id
    }
    children {
      id
    }
  }
}`) as unknown as TypedDocumentString<CancelFlowMutation, CancelFlowMutationVariables>;
export const FlowDocument = new TypedDocumentString(`
    query Flow($id: ID!) {
  flow(id: $id) {
    ...FlowFields
  }
}
    fragment FlowFields on Flow {
  id
  name
  state
  version
  progress
  createdAt
  finishedAt
  tasks {
    id
    ref
    flowId
    type
    state
    waitReason
    result
    error {
      name
      message
    }
    dependsOn {
      id
      ref
    }
    parent {
      id
    }
    children {
      id
    }
  }
}`) as unknown as TypedDocumentString<FlowQuery, FlowQueryVariables>;
export const FlowUpdatedDocument = new TypedDocumentString(`
    subscription FlowUpdated($id: ID!) {
  flowUpdated(id: $id) {
    id
    state
    version
    progress
    finishedAt
  }
}
    `) as unknown as TypedDocumentString<FlowUpdatedSubscription, FlowUpdatedSubscriptionVariables>;
export const FlowPageDocument = new TypedDocumentString(`
    query FlowPage($id: ID!) {
  flow(id: $id) {
    id
    name
    state
    version
    progress
    tasks {
      ...FlowTaskFields
    }
  }
}
    fragment FlowTaskFields on Task {
  ...TaskRowFields
  ref
  dependsOn {
    id
  }
}
fragment TaskRowFields on Task {
  id
  type
  queue
  state
  waitReason
  tags
  priority
  version
  attempt
  maxAttempts
  progress {
    percent
    message
  }
  createdAt
  startedAt
  finishedAt
  updatedAt
}`) as unknown as TypedDocumentString<FlowPageQuery, FlowPageQueryVariables>;
export const TasksDocument = new TypedDocumentString(`
    query Tasks($filter: TaskFilter, $first: Int, $after: String, $orderBy: TaskOrder) {
  tasks(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
    totalCount
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    edges {
      cursor
      node {
        ...TaskRowFields
      }
    }
  }
}
    fragment TaskRowFields on Task {
  id
  type
  queue
  state
  waitReason
  tags
  priority
  version
  attempt
  maxAttempts
  progress {
    percent
    message
  }
  createdAt
  startedAt
  finishedAt
  updatedAt
}`) as unknown as TypedDocumentString<TasksQuery, TasksQueryVariables>;
export const TaskFeedDocument = new TypedDocumentString(`
    subscription TaskFeed($filter: TaskFilter) {
  taskFeed(filter: $filter) {
    taskId
    version
    type
    state
    task {
      ...TaskRowFields
    }
  }
}
    fragment TaskRowFields on Task {
  id
  type
  queue
  state
  waitReason
  tags
  priority
  version
  attempt
  maxAttempts
  progress {
    percent
    message
  }
  createdAt
  startedAt
  finishedAt
  updatedAt
}`) as unknown as TypedDocumentString<TaskFeedSubscription, TaskFeedSubscriptionVariables>;
export const QueuesDocument = new TypedDocumentString(`
    query Queues {
  queues {
    ...QueueStatsFields
  }
}
    fragment QueueStatsFields on QueueStats {
  name
  pending
  scheduled
  running
  retrying
  succeeded
  failed
  cancelled
  workers
  paused
  concurrencyLimit
  rateLimit {
    max
    perMs
  }
}`) as unknown as TypedDocumentString<QueuesQuery, QueuesQueryVariables>;
export const QueueStatsUpdatedDocument = new TypedDocumentString(`
    subscription QueueStatsUpdated($queue: String) {
  queueStatsUpdated(queue: $queue) {
    ...QueueStatsFields
  }
}
    fragment QueueStatsFields on QueueStats {
  name
  pending
  scheduled
  running
  retrying
  succeeded
  failed
  cancelled
  workers
  paused
  concurrencyLimit
  rateLimit {
    max
    perMs
  }
}`) as unknown as TypedDocumentString<QueueStatsUpdatedSubscription, QueueStatsUpdatedSubscriptionVariables>;
export const WorkersDocument = new TypedDocumentString(`
    query Workers {
  workers {
    id
    hostname
    pid
    queues
    concurrency
    startedAt
    heartbeatAt
  }
}
    `) as unknown as TypedDocumentString<WorkersQuery, WorkersQueryVariables>;
export const TaskOutputDocument = new TypedDocumentString(`
    query TaskOutput($id: ID!, $stream: String, $after: Int) {
  task(id: $id) {
    id
    state
    output(stream: $stream, after: $after) {
      ...OutputChunk
    }
  }
}
    fragment OutputChunk on TaskOutputChunk {
  seq
  at
  stream
  data
}`) as unknown as TypedDocumentString<TaskOutputQuery, TaskOutputQueryVariables>;
export const TaskLogsDocument = new TypedDocumentString(`
    query TaskLogs($id: ID!, $after: Int, $last: Int) {
  task(id: $id) {
    id
    state
    logs(after: $after, last: $last) {
      ...LogLine
    }
  }
}
    fragment LogLine on TaskLogLine {
  seq
  at
  attempt
  level
  message
  data
}`) as unknown as TypedDocumentString<TaskLogsQuery, TaskLogsQueryVariables>;
export const TaskOutputStreamDocument = new TypedDocumentString(`
    subscription TaskOutputStream($id: ID!, $stream: String, $after: Int) {
  taskOutput(id: $id, stream: $stream, after: $after) {
    ...OutputChunk
  }
}
    fragment OutputChunk on TaskOutputChunk {
  seq
  at
  stream
  data
}`) as unknown as TypedDocumentString<TaskOutputStreamSubscription, TaskOutputStreamSubscriptionVariables>;
export const TaskLogStreamDocument = new TypedDocumentString(`
    subscription TaskLogStream($id: ID!, $after: Int) {
  taskLogs(id: $id, after: $after) {
    ...LogLine
  }
}
    fragment LogLine on TaskLogLine {
  seq
  at
  attempt
  level
  message
  data
}`) as unknown as TypedDocumentString<TaskLogStreamSubscription, TaskLogStreamSubscriptionVariables>;
export const CreateScheduleDocument = new TypedDocumentString(`
    mutation CreateSchedule($input: ScheduleInput!) {
  createSchedule(input: $input) {
    ...ScheduleFields
  }
}
    fragment ScheduleFields on Schedule {
  id
  name
  type
  input
  cron
  every
  timezone
  overlap
  catchUpWindowMs
  paused
  nextRunAt
  lastRunAt
  lastTask {
    id
    state
    scheduleId
  }
  createdAt
  updatedAt
}`) as unknown as TypedDocumentString<CreateScheduleMutation, CreateScheduleMutationVariables>;
export const UpdateScheduleDocument = new TypedDocumentString(`
    mutation UpdateSchedule($id: ID!, $input: ScheduleInput!) {
  updateSchedule(id: $id, input: $input) {
    ...ScheduleFields
  }
}
    fragment ScheduleFields on Schedule {
  id
  name
  type
  input
  cron
  every
  timezone
  overlap
  catchUpWindowMs
  paused
  nextRunAt
  lastRunAt
  lastTask {
    id
    state
    scheduleId
  }
  createdAt
  updatedAt
}`) as unknown as TypedDocumentString<UpdateScheduleMutation, UpdateScheduleMutationVariables>;
export const PauseScheduleDocument = new TypedDocumentString(`
    mutation PauseSchedule($id: ID!) {
  pauseSchedule(id: $id) {
    ...ScheduleFields
  }
}
    fragment ScheduleFields on Schedule {
  id
  name
  type
  input
  cron
  every
  timezone
  overlap
  catchUpWindowMs
  paused
  nextRunAt
  lastRunAt
  lastTask {
    id
    state
    scheduleId
  }
  createdAt
  updatedAt
}`) as unknown as TypedDocumentString<PauseScheduleMutation, PauseScheduleMutationVariables>;
export const ResumeScheduleDocument = new TypedDocumentString(`
    mutation ResumeSchedule($id: ID!) {
  resumeSchedule(id: $id) {
    ...ScheduleFields
  }
}
    fragment ScheduleFields on Schedule {
  id
  name
  type
  input
  cron
  every
  timezone
  overlap
  catchUpWindowMs
  paused
  nextRunAt
  lastRunAt
  lastTask {
    id
    state
    scheduleId
  }
  createdAt
  updatedAt
}`) as unknown as TypedDocumentString<ResumeScheduleMutation, ResumeScheduleMutationVariables>;
export const DeleteScheduleDocument = new TypedDocumentString(`
    mutation DeleteSchedule($id: ID!) {
  deleteSchedule(id: $id)
}
    `) as unknown as TypedDocumentString<DeleteScheduleMutation, DeleteScheduleMutationVariables>;
export const TriggerScheduleDocument = new TypedDocumentString(`
    mutation TriggerSchedule($id: ID!) {
  triggerSchedule(id: $id) {
    id
    state
    scheduleId
  }
}
    `) as unknown as TypedDocumentString<TriggerScheduleMutation, TriggerScheduleMutationVariables>;
export const ScheduleDocument = new TypedDocumentString(`
    query Schedule($id: ID!) {
  schedule(id: $id) {
    ...ScheduleFields
    tasks(first: 100) {
      totalCount
      edges {
        node {
          id
          state
          scheduleId
          idempotencyKey
          createdAt
        }
      }
    }
  }
}
    fragment ScheduleFields on Schedule {
  id
  name
  type
  input
  cron
  every
  timezone
  overlap
  catchUpWindowMs
  paused
  nextRunAt
  lastRunAt
  lastTask {
    id
    state
    scheduleId
  }
  createdAt
  updatedAt
}`) as unknown as TypedDocumentString<ScheduleQuery, ScheduleQueryVariables>;
export const SchedulesDocument = new TypedDocumentString(`
    query Schedules($first: Int, $after: String) {
  schedules(first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        ...ScheduleFields
      }
    }
  }
}
    fragment ScheduleFields on Schedule {
  id
  name
  type
  input
  cron
  every
  timezone
  overlap
  catchUpWindowMs
  paused
  nextRunAt
  lastRunAt
  lastTask {
    id
    state
    scheduleId
  }
  createdAt
  updatedAt
}`) as unknown as TypedDocumentString<SchedulesQuery, SchedulesQueryVariables>;
export const EnqueueTaskDocument = new TypedDocumentString(`
    mutation EnqueueTask($input: EnqueueTaskInput!) {
  enqueueTask(input: $input) {
    deduplicated
    task {
      ...TaskFields
    }
  }
}
    fragment TaskFields on Task {
  id
  type
  queue
  state
  waitReason
  input
  result
  error {
    name
    message
    stack
    retryable
  }
  progress {
    percent
    message
    data
    updatedAt
  }
  attempt
  maxAttempts
  attempts {
    number
    startedAt
    finishedAt
    outcome
    workerId
    error {
      name
      message
      stack
      retryable
    }
  }
  priority
  tags
  idempotencyKey
  concurrencyKey
  owner
  flowId
  version
  createdAt
  runAt
  startedAt
  finishedAt
  updatedAt
  expiresAt
}`) as unknown as TypedDocumentString<EnqueueTaskMutation, EnqueueTaskMutationVariables>;
export const EnqueueTasksDocument = new TypedDocumentString(`
    mutation EnqueueTasks($inputs: [EnqueueTaskInput!]!) {
  enqueueTasks(inputs: $inputs) {
    deduplicated
    task {
      ...TaskFields
    }
  }
}
    fragment TaskFields on Task {
  id
  type
  queue
  state
  waitReason
  input
  result
  error {
    name
    message
    stack
    retryable
  }
  progress {
    percent
    message
    data
    updatedAt
  }
  attempt
  maxAttempts
  attempts {
    number
    startedAt
    finishedAt
    outcome
    workerId
    error {
      name
      message
      stack
      retryable
    }
  }
  priority
  tags
  idempotencyKey
  concurrencyKey
  owner
  flowId
  version
  createdAt
  runAt
  startedAt
  finishedAt
  updatedAt
  expiresAt
}`) as unknown as TypedDocumentString<EnqueueTasksMutation, EnqueueTasksMutationVariables>;
export const CancelTaskDocument = new TypedDocumentString(`
    mutation CancelTask($id: ID!, $reason: String) {
  cancelTask(id: $id, reason: $reason) {
    ...TaskFields
  }
}
    fragment TaskFields on Task {
  id
  type
  queue
  state
  waitReason
  input
  result
  error {
    name
    message
    stack
    retryable
  }
  progress {
    percent
    message
    data
    updatedAt
  }
  attempt
  maxAttempts
  attempts {
    number
    startedAt
    finishedAt
    outcome
    workerId
    error {
      name
      message
      stack
      retryable
    }
  }
  priority
  tags
  idempotencyKey
  concurrencyKey
  owner
  flowId
  version
  createdAt
  runAt
  startedAt
  finishedAt
  updatedAt
  expiresAt
}`) as unknown as TypedDocumentString<CancelTaskMutation, CancelTaskMutationVariables>;
export const RetryTaskDocument = new TypedDocumentString(`
    mutation RetryTask($id: ID!) {
  retryTask(id: $id) {
    ...TaskFields
  }
}
    fragment TaskFields on Task {
  id
  type
  queue
  state
  waitReason
  input
  result
  error {
    name
    message
    stack
    retryable
  }
  progress {
    percent
    message
    data
    updatedAt
  }
  attempt
  maxAttempts
  attempts {
    number
    startedAt
    finishedAt
    outcome
    workerId
    error {
      name
      message
      stack
      retryable
    }
  }
  priority
  tags
  idempotencyKey
  concurrencyKey
  owner
  flowId
  version
  createdAt
  runAt
  startedAt
  finishedAt
  updatedAt
  expiresAt
}`) as unknown as TypedDocumentString<RetryTaskMutation, RetryTaskMutationVariables>;
export const TaskDocument = new TypedDocumentString(`
    query Task($id: ID!) {
  task(id: $id) {
    ...TaskFields
  }
}
    fragment TaskFields on Task {
  id
  type
  queue
  state
  waitReason
  input
  result
  error {
    name
    message
    stack
    retryable
  }
  progress {
    percent
    message
    data
    updatedAt
  }
  attempt
  maxAttempts
  attempts {
    number
    startedAt
    finishedAt
    outcome
    workerId
    error {
      name
      message
      stack
      retryable
    }
  }
  priority
  tags
  idempotencyKey
  concurrencyKey
  owner
  flowId
  version
  createdAt
  runAt
  startedAt
  finishedAt
  updatedAt
  expiresAt
}`) as unknown as TypedDocumentString<TaskQuery, TaskQueryVariables>;
export const TaskHistoryDocument = new TypedDocumentString(`
    query TaskHistory($id: ID!, $afterVersion: Int) {
  task(id: $id) {
    id
    version
    events(afterVersion: $afterVersion) {
      ...TaskEventFields
    }
  }
}
    fragment TaskEventFields on TaskEvent {
  taskId
  version
  type
  state
  at
  attempt
  progress {
    percent
    message
    data
  }
  error {
    name
    message
    retryable
  }
  nextRunAt
  reason
}`) as unknown as TypedDocumentString<TaskHistoryQuery, TaskHistoryQueryVariables>;
export const TaskTypesDocument = new TypedDocumentString(`
    query TaskTypes {
  taskTypes {
    name
    queue
    description
    inputSchema
    maxAttempts
    timeoutMs
  }
}
    `) as unknown as TypedDocumentString<TaskTypesQuery, TaskTypesQueryVariables>;
export const TaskUpdatedDocument = new TypedDocumentString(`
    subscription TaskUpdated($id: ID!) {
  taskUpdated(id: $id) {
    ...TaskFields
  }
}
    fragment TaskFields on Task {
  id
  type
  queue
  state
  waitReason
  input
  result
  error {
    name
    message
    stack
    retryable
  }
  progress {
    percent
    message
    data
    updatedAt
  }
  attempt
  maxAttempts
  attempts {
    number
    startedAt
    finishedAt
    outcome
    workerId
    error {
      name
      message
      stack
      retryable
    }
  }
  priority
  tags
  idempotencyKey
  concurrencyKey
  owner
  flowId
  version
  createdAt
  runAt
  startedAt
  finishedAt
  updatedAt
  expiresAt
}`) as unknown as TypedDocumentString<TaskUpdatedSubscription, TaskUpdatedSubscriptionVariables>;
export const TaskTimelineDocument = new TypedDocumentString(`
    subscription TaskTimeline($id: ID!, $afterVersion: Int) {
  taskEvents(id: $id, afterVersion: $afterVersion) {
    ...TaskEventFields
    task {
      ...TaskFields
    }
  }
}
    fragment TaskFields on Task {
  id
  type
  queue
  state
  waitReason
  input
  result
  error {
    name
    message
    stack
    retryable
  }
  progress {
    percent
    message
    data
    updatedAt
  }
  attempt
  maxAttempts
  attempts {
    number
    startedAt
    finishedAt
    outcome
    workerId
    error {
      name
      message
      stack
      retryable
    }
  }
  priority
  tags
  idempotencyKey
  concurrencyKey
  owner
  flowId
  version
  createdAt
  runAt
  startedAt
  finishedAt
  updatedAt
  expiresAt
}
fragment TaskEventFields on TaskEvent {
  taskId
  version
  type
  state
  at
  attempt
  progress {
    percent
    message
    data
  }
  error {
    name
    message
    retryable
  }
  nextRunAt
  reason
}`) as unknown as TypedDocumentString<TaskTimelineSubscription, TaskTimelineSubscriptionVariables>;
export const TaskEventsDocument = new TypedDocumentString(`
    subscription TaskEvents($id: ID!, $afterVersion: Int) {
  taskEvents(id: $id, afterVersion: $afterVersion) {
    ...TaskEventFields
    task {
      id
      state
      version
    }
  }
}
    fragment TaskEventFields on TaskEvent {
  taskId
  version
  type
  state
  at
  attempt
  progress {
    percent
    message
    data
  }
  error {
    name
    message
    retryable
  }
  nextRunAt
  reason
}`) as unknown as TypedDocumentString<TaskEventsSubscription, TaskEventsSubscriptionVariables>;
export const CreateTaskTokenDocument = new TypedDocumentString(`
    mutation CreateTaskToken($taskIds: [ID!]!, $ttlSeconds: Int) {
  createTaskToken(taskIds: $taskIds, ttlSeconds: $ttlSeconds)
}
    `) as unknown as TypedDocumentString<CreateTaskTokenMutation, CreateTaskTokenMutationVariables>;
export const TaskMetadataDocument = new TypedDocumentString(`
    subscription TaskMetadata($id: ID!) {
  taskUpdated(id: $id) {
    id
    state
    version
    metadata
  }
}
    `) as unknown as TypedDocumentString<TaskMetadataSubscription, TaskMetadataSubscriptionVariables>;