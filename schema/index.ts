/** The GraphQL schema: every domain file adds its types and fields to the builder. */
import { builder } from './builder.ts';
import './task.ts';
import './task-event.ts';
import './task-type.ts';
import './enqueue.ts';
import './task-control.ts';
import './task-list.ts';
import './queue.ts';
import './task-token.ts';
import './schedule.ts';
import './flow-control.ts';
import './task-output.ts';
import './task-log.ts';
import './flow.ts';
import './children.ts';

export const schema = builder.toSchema();
