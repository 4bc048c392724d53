/**
 * The Pothos schema builder every schema file adds to, with the scalars of the contract and the
 * context resolvers receive.
 */
import SchemaBuilder from '@pothos/core';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Authenticator } from '../src/auth/authenticator.ts';
import type { Principal } from '../src/auth/principal.ts';
import type { QueueStatsFeeds } from '../src/events/queue-stats-feeds.ts';
import type { QueueService } from '../src/service/queue-service.ts';
import type { TaskService } from '../src/service/task-service.ts';
import type { TaskTypeRegistry } from '../src/tasks/registry.ts';

/** What every resolver gets: who is calling, and the services it may call on their behalf. */
export interface SchemaContext {
  principal: Principal;
  auth: Authenticator;
  /** Called as a subscription sends something recorded at `recordedAt` (delivery latency). */
  delivered: (recordedAt: Date) => void;
  tasks: TaskService;
  taskTypes: TaskTypeRegistry;
  queues: QueueService;
  queueStats: QueueStatsFeeds;
}

export const builder = new SchemaBuilder<{
  Context: SchemaContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
}>({ defaultFieldNullability: false });

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
