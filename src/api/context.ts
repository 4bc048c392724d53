/**
 * What every GraphQL resolver gets: who is calling, and the services it may call on their
 * behalf. The API server makes one per request (or per WebSocket operation); the schema
 * (`schema/builder.ts`) is written against it.
 */
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import type { QueueStatsFeeds } from '../events/queue-stats-feeds.ts';
import type { ChildService } from '../service/child-service.ts';
import type { FlowService } from '../service/flow-service.ts';
import type { QueueService } from '../service/queue-service.ts';
import type { ScheduleService } from '../service/schedule-service.ts';
import type { TaskOutputService } from '../service/task-output-service.ts';
import type { TaskService } from '../service/task-service.ts';
import type { TaskTypeRegistry } from '../tasks/registry.ts';

/** The context of one GraphQL operation. */
export interface RequestContext {
  principal: Principal;
  auth: Authenticator;
  /** Called as a subscription sends something recorded at `recordedAt` (delivery latency). */
  delivered: (recordedAt: Date) => void;
  tasks: TaskService;
  /** Task logs and output streams. */
  output: TaskOutputService;
  taskTypes: TaskTypeRegistry;
  queues: QueueService;
  queueStats: QueueStatsFeeds;
  schedules: ScheduleService;
  flows: FlowService;
  /** Children spawned by handlers (`Task.parent`, `Task.children`). */
  children: ChildService;
}
