/** The worker process: `npm run start:worker` (or `node --import tsx worker/main.ts`). */
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startRuntime } from '../src/runtime.ts';
import { onShutdown } from '../src/shutdown.ts';
import { declaredSchedules, declaredTaskTypes } from '../src/tasks/catalog.ts';
import { startTracing } from '../src/tracing/setup.ts';
import { taskHandlers } from './handlers/index.ts';
import { TaskWorker } from './task-worker.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'taskql-worker');
const builtins = { builtins: config.builtinTaskTypes };
const tracing = await startTracing('taskql-worker', logger);
const runtime = await startRuntime(config, logger, declaredTaskTypes(builtins));
const worker = new TaskWorker(runtime, taskHandlers(builtins));
// Before serving, so that a deploy with an invalid declaration fails at once.
await runtime.schedules.declare(config.scheduleOwner, declaredSchedules);
await worker.start();

// The deadline leaves the drain period and the hand-backs after it room to finish.
onShutdown(
  logger,
  async () => {
    await worker.close();
    await runtime.close();
    await tracing.close();
  },
  config.workerDrainMs + 25_000,
);
