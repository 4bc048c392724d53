/** The worker process: `npm run start:worker` (or `node --import tsx worker/main.ts`). */
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startRuntime } from '../src/runtime.ts';
import { onShutdown } from '../src/shutdown.ts';
import { TaskWorker } from './task-worker.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'taskql-worker');
const runtime = await startRuntime(config, logger);
const worker = new TaskWorker(runtime);
await worker.start();

// The deadline leaves the drain period and the hand-backs after it room to finish.
onShutdown(
  logger,
  async () => {
    await worker.close();
    await runtime.close();
  },
  config.workerDrainMs + 25_000,
);
