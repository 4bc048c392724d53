/**
 * The raw baseline of fan-out and notification: what taskql's API does with the fewest moving
 * parts — one Redis subscriber connection, and each message sent as it is to every open `ws`
 * socket. Env: REDIS_URL, CHANNEL. Tells the runner its port over IPC.
 */
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import type { ListeningMessage } from './protocol.ts';

const subscriber = new Redis(process.env['REDIS_URL']!);
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise<void>((resolve) => server.once('listening', resolve));

subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
  for (const socket of server.clients) socket.send(message, { binary: false });
});
await subscriber.subscribe(process.env['CHANNEL']!);

const address = server.address();
if (address === null || typeof address === 'string') throw new Error('unexpected address');
process.send?.({ type: 'listening', port: address.port } satisfies ListeningMessage);

process.once('SIGTERM', () => {
  for (const socket of server.clients) socket.terminate();
  server.close();
  subscriber.disconnect();
  process.disconnect?.();
});
