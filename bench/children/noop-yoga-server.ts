/**
 * The floor of any GraphQL API on this machine: graphql-yoga on node:http with one mutation that
 * does nothing (`noop(input: JSON): Boolean`), no plugins, no store, no queue. The enqueue
 * scenario sends it the same request body size as enqueueTask. Tells the runner its port over IPC.
 */
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import type { ListeningMessage } from './protocol.ts';

const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'scalar JSON\ntype Query { ok: Boolean }\ntype Mutation { noop(input: JSON): Boolean }',
    resolvers: { Mutation: { noop: () => true } },
  }),
  logging: false,
  landingPage: false,
  graphiql: false,
});
const server = createServer((request, response) => void yoga.requestListener(request, response));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

const address = server.address();
if (address === null || typeof address === 'string') throw new Error('unexpected address');
process.send?.({ type: 'listening', port: address.port } satisfies ListeningMessage);

process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  process.disconnect?.();
});
