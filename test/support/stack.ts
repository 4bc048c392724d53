/**
 * taskql in this process, as most integration tests want it: a runtime on the real servers
 * (its own database and Redis prefix), an API server on a free port, a worker (unless asked not
 * to), and a connected client.
 */
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import type { Runtime } from '../../src/runtime.ts';
import { schema } from '../../schema/index.ts';
import type { AnyTaskHandler } from '../../worker/handler.ts';
import { builtinHandlers } from '../../worker/handlers/index.ts';
import { TaskWorker } from '../../worker/task-worker.ts';
import { TestClient } from './graphql-client.ts';
import { startTestRuntime, testConfig } from './runtime.ts';

/** What `startStack` started; `close` stops all of it. */
export interface Stack {
  runtime: Runtime;
  server: ApiServer;
  /** The worker in this process; a test may stop it and put another in its place. */
  worker: TaskWorker | null;
  client: TestClient;
  close(): Promise<void>;
}

/** Options of `startStack`. */
export interface StackOptions {
  /** Environment beyond `testEnv`'s (configuration variables). */
  env?: Record<string, string>;
  /** Task types to register and run, with their handlers, instead of the built-ins. */
  handlers?: readonly AnyTaskHandler[];
  /** Start a worker (default true). */
  worker?: boolean;
  /** The client's credentials, when the stack's `env` turns authentication on. */
  token?: string;
  /** The runtime's clock (default: real time), for tests that make time pass. */
  now?: () => Date;
}

export async function startStack(name: string, options: StackOptions = {}): Promise<Stack> {
  const handlers = options.handlers ?? builtinHandlers;
  const runtime = await startTestRuntime(
    testConfig(name, options.env),
    handlers.map((handler) => handler.type),
    options.now,
  );
  const server = await startApiServer(runtime, schema, 0);
  let worker: TaskWorker | null = null;
  if (options.worker ?? true) {
    worker = new TaskWorker(runtime, handlers);
    await worker.start();
  }
  const client = new TestClient(server.port, options.token ?? null);
  await client.connected;
  const stack: Stack = {
    runtime,
    server,
    worker,
    client,
    close: async () => {
      await client.close();
      await stack.worker?.close();
      await server.close();
      await runtime.close();
    },
  };
  return stack;
}

/** The `extensions.code` of a result's first error. */
export function errorCode(result: { errors?: readonly { extensions?: Record<string, unknown> }[] }): unknown {
  return result.errors?.[0]?.extensions?.['code'];
}
