/** The API process: `npm run start:api` (or `node --import tsx src/main.ts`). */
import { startApiServer } from './api/server.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startRuntime } from './runtime.ts';
import { onShutdown } from './shutdown.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'taskql-api');
const runtime = await startRuntime(config, logger);
const server = await startApiServer(runtime);

onShutdown(logger, async () => {
  await server.close();
  await runtime.close();
});
