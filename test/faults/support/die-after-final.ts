/**
 * Loaded into one worker process (`startProcess(…, { imports: [DIE_AFTER_FINAL] })`) with
 * `FAULT_DIE_AFTER_FINAL_REF` naming a flow task's ref, or `FAULT_DIE_AFTER_FINAL_INPUT` naming a
 * key that is `true` in the task's input (a child, which has no ref): when that task's final state is published
 * — which the recorder does right after writing it to MongoDB and before it releases the
 * task's dependents — the process SIGKILLs itself. The kill lands in the window between the
 * dependency's final write and its dependents' release, every time, with nothing mocked: the
 * worker's own code writes and publishes, and this listens on the deployment's bus as any
 * process does.
 */
import { loadConfig } from '../../../src/config.ts';
import { EventBus } from '../../../src/events/event-bus.ts';
import { isFinalState, type Task } from '../../../src/model/task.ts';
import { createRedisConnection } from '../../../src/redis/connections.ts';
import { PubSub } from '../../../src/redis/pubsub.ts';

/** This module's path from the repository root, for `startProcess`'s `imports`. */
export const DIE_AFTER_FINAL = 'test/faults/support/die-after-final.ts';

const ref = process.env['FAULT_DIE_AFTER_FINAL_REF'];
const inputKey = process.env['FAULT_DIE_AFTER_FINAL_INPUT'];
const marked = (task: Task) =>
  (ref !== undefined && task.ref === ref) ||
  (inputKey !== undefined && typeof task.input === 'object' && task.input !== null && (task.input as Record<string, unknown>)[inputKey] === true);
if (ref || inputKey) {
  const config = loadConfig();
  const commands = createRedisConnection(config.redis, 'commands', config.dependencyTimeoutMs);
  const subscriber = createRedisConnection(config.redis, 'subscriber', config.dependencyTimeoutMs);
  await Promise.all([commands.connect(), subscriber.connect()]);
  const bus = new EventBus(new PubSub(commands, subscriber), config.redisPrefix);
  bus.watchAll({
    onChange: ({ task, event }) => {
      if (marked(task) && isFinalState(event.state)) process.kill(process.pid, 'SIGKILL');
    },
    onResync: () => {},
  });
  // Subscribed before the worker starts (this module loads first), so no final event is missed.
  await bus.start();
}
