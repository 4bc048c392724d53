/**
 * Subscribers in forked processes (`bench/children/subscribers.ts`): opening N of them spread over
 * one or more servers, and timing an event until it has reached all of them.
 */
import type { ChildProcess } from 'node:child_process';
import { isMessage, type DeliveredMessage, type ReadyMessage, type SubscribeCommand } from '../children/protocol.ts';
import { nextMessage, within, type BenchContext } from './context.ts';

/** How long N subscribers may take to connect and subscribe. */
const READY_TIMEOUT_MS = 180_000;
/** Sockets per subscriber process: well under its file-descriptor limit. */
const SOCKETS_PER_CHILD = 5_000;

/** What to open: `count` subscriptions of one kind, spread evenly over the servers on `ports`. */
export interface SubscriberRequest extends Omit<SubscribeCommand, 'type' | 'port' | 'count'> {
  ports: readonly number[];
  count: number;
}

/** Opened subscriber processes: `opened` once every connection is open, `ready` once each has had its first result. */
export interface Subscribers {
  children: ChildProcess[];
  opened: Promise<unknown>;
  ready: Promise<unknown>;
}

/** Fork the subscriber processes of `request`: at most SOCKETS_PER_CHILD each, each on one server. */
export function openSubscribers(ctx: BenchContext, request: SubscriberRequest): Subscribers {
  const { ports, count, ...subscription } = request;
  const children: ChildProcess[] = [];
  for (const [index, port] of ports.entries()) {
    const share = Math.floor(count / ports.length) + (index < count % ports.length ? 1 : 0);
    for (let first = 0; first < share; first += SOCKETS_PER_CHILD) {
      const child = ctx.child('subscribers');
      child.send({ type: 'subscribe', port, count: Math.min(SOCKETS_PER_CHILD, share - first), ...subscription } satisfies SubscribeCommand);
      children.push(child);
    }
  }
  const waitFor = (type: ReadyMessage['type']) =>
    Promise.all(children.map((child) => nextMessage(child, (m): m is ReadyMessage => isMessage<ReadyMessage>(type)(m), READY_TIMEOUT_MS)));
  const opened = waitFor('opened');
  const ready = waitFor('ready');
  // Awaited by the caller when it needs them; a failure before then is not unhandled.
  opened.catch(() => {});
  ready.catch(() => {});
  return { children, opened, ready };
}

/**
 * Time from `trigger` (which says when it fired, in `wallNow` time) to the last subscriber of
 * `children` reporting event `version`, in ms.
 */
export async function reachAll(children: readonly ChildProcess[], version: number, trigger: () => Promise<number>): Promise<number> {
  const delivered = children.map((child) =>
    nextMessage(child, (m): m is DeliveredMessage => isMessage<DeliveredMessage>('delivered')(m) && m.version === version, 60_000),
  );
  const firedAt = await trigger();
  const reports = await within(Promise.all(delivered), 60_000, `event ${version} reaching every subscriber`);
  return Math.max(...reports.map((r) => r.last)) - firedAt;
}
