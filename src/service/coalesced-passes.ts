/**
 * Work that callers ask for together, done once for them: per key, one pass runs at a time in this
 * process, and a call while one runs asks it for one more pass, which starts after the call (and so
 * sees what the caller changed before calling) and whose end the call awaits. So fifty tasks of a
 * flow ending at once on a worker make two passes over what they all set off, not fifty racing ones.
 */
export class CoalescedPasses {
  readonly #running = new Map<string, { again: boolean; done: Promise<void> }>();

  /** Run `pass` for `key`, or join the pass under way for it (then `pass` itself is not run). */
  run(key: string, pass: () => Promise<void>): Promise<void> {
    const running = this.#running.get(key);
    if (running) {
      running.again = true;
      return running.done;
    }
    const current = { again: false, done: Promise.resolve() };
    current.done = (async () => {
      try {
        do {
          current.again = false;
          await pass();
        } while (current.again);
      } finally {
        this.#running.delete(key);
      }
    })();
    this.#running.set(key, current);
    return current.done;
  }
}
