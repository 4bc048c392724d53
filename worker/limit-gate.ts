/**
 * The worker's side of flow control: before an attempt starts, ask the limiter whether its task
 * may (a slot of its concurrency key held, its rate window open); while it runs, renew its slot's
 * lease; when it ends, release the slot, which wakes the next parked task of that key. A task that
 * may not start goes back to BullMQ's delayed set: parked until a slot frees, or until the rate
 * window opens.
 */
import { PARKED_JOB_DELAY_MS } from '../src/queue/flow-limiter.ts';
import type { Task } from '../src/model/task.ts';
import type { Runtime } from '../src/runtime.ts';

/** A started task's hold on its limits; `leave` once its attempt has ended, however it ended. */
export interface LimitHold {
  leave(): Promise<void>;
}

/** What the gate said: start (and leave the hold after), or hold the job back until `untilMs`. */
export type GateDecision = { kind: 'start'; hold: LimitHold } | { kind: 'hold-back'; untilMs: number };

const NO_HOLD: LimitHold = { leave: async () => {} };

/** How many times per lease a running task's slot is renewed: a missed renewal or two does not lose it. */
const RENEWALS_PER_LEASE = 3;

export class LimitGate {
  readonly #runtime: Runtime;

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /** May `task` start now? Throws when Redis fails (the job is then tried again shortly, holding nothing). */
  async enter(task: Task): Promise<GateDecision> {
    const { limiter, queues, config, logger } = this.#runtime;
    if (!limiter.isLimited(task)) return { kind: 'start', hold: NO_HOLD };
    const decision = await limiter.start(task);
    if (decision.kind === 'parked') return { kind: 'hold-back', untilMs: Date.now() + PARKED_JOB_DELAY_MS };
    if (decision.kind === 'wait') return { kind: 'hold-back', untilMs: Date.now() + decision.waitMs };
    // Not awaited: the start must follow the gate's decision closely (a rate window is measured there).
    queues.promote(task.queue, decision.admitted).catch((err: unknown) => logger.warn({ err }, 'could not wake parked tasks'));
    const renewal = setInterval(() => {
      limiter.renew(task).catch((err: unknown) => logger.warn({ err, taskId: task.id }, 'could not renew the slot of a running task'));
    }, config.workerLockMs / RENEWALS_PER_LEASE);
    return {
      kind: 'start',
      hold: {
        leave: async () => {
          clearInterval(renewal);
          try {
            await queues.promote(task.queue, await limiter.release(task));
          } catch (err) {
            // The slot's lease runs out instead, and the sweep hands it on (worker/limit-sweep.ts).
            logger.warn({ err, taskId: task.id }, 'could not release the slot of a task');
          }
        },
      },
    };
  }
}
