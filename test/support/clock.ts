/**
 * A clock for the runtime under test: it runs with real time (BullMQ, Redis and the servers keep
 * theirs), and a test moves it ahead to make time pass at once — a TTL running out, say — instead
 * of waiting for it.
 */
export class TestClock {
  #aheadMs = 0;

  /** The time as the runtime sees it: now, plus every advance so far. */
  readonly now = (): Date => new Date(Date.now() + this.#aheadMs);

  /** Make `ms` pass at once. */
  advance(ms: number): void {
    this.#aheadMs += ms;
  }

  /** Move on to just after `time` (as this clock reads it); nothing happens if it has passed. */
  passTo(time: Date): void {
    this.advance(Math.max(0, time.getTime() - this.now().getTime() + 1));
  }
}
