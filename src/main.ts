/** The API process: `npm run start:api` (or `node --import tsx src/main.ts`). */
import { schema } from '../schema/index.ts';
import { startApiServer } from './api/server.ts';
import { Authenticator } from './auth/authenticator.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startRuntime } from './runtime.ts';
import { onShutdown } from './shutdown.ts';
import { declaredTaskTypes } from './tasks/catalog.ts';
import { startTracing } from './tracing/setup.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'taskql-api');
if (!config.auth.disabled && !Authenticator.configured(config.auth)) {
  logger.fatal(
    'no authentication is configured: set AUTH_JWT_SECRET, AUTH_JWKS_URL or AUTH_JWKS_FILE, or API_KEYS' +
      (config.production ? '' : ' (or AUTH_DISABLED=true, for development only)'),
  );
  process.exit(1);
}
const tracing = await startTracing('taskql-api', logger);
const runtime = await startRuntime(config, logger, declaredTaskTypes({ builtins: config.builtinTaskTypes }));
const server = await startApiServer(runtime, schema);

onShutdown(logger, async () => {
  await server.close();
  await runtime.close();
  await tracing.close();
});
