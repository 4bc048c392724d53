/**
 * Work that callers ask for together, done once for them: per key, one pass runs at a time in this
 * process, and a call while one runs asks for one more pass, which starts once it ends (and so
 * sees what the caller changed before calling); all the calls made during one pass share the next
 * and resolve with it. So fifty tasks of a flow ending at once on a worker make two passes over
 * what they all set off, not fifty racing ones — and a call waits for two passes at most, however
 * long calls keep coming. A pass runs what the newest call gave: its view of the work is the latest.
 */
export class CoalescedPasses<T = void> {
  readonly #running = new Map<string, Chain<T>>();

  /** Run `pass` for `key`, or have it run after the pass under way (sharing that run with the calls made meanwhile). */
  run(key: string, pass: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key);
    if (running) {
      running.pass = pass;
      running.next ??= deferred<T>();
      return running.next.promise;
    }
    const chain: Chain<T> = { pass, next: null };
    this.#running.set(key, chain);
    const first = started(pass);
    void this.#follow(key, chain, first);
    return first;
  }

  /** Once `current` settles, run the pass the calls made during it asked for, and so on until none did. */
  async #follow(key: string, chain: Chain<T>, current: Promise<T>): Promise<void> {
    for (;;) {
      await current.then(noop, noop);
      const next = chain.next;
      if (!next) {
        this.#running.delete(key);
        return;
      }
      chain.next = null;
      current = started(chain.pass);
      current.then(next.resolve, next.reject);
    }
  }
}

/** The passes of one key: the pass to run next, and the promise of the calls waiting for it. */
interface Chain<T> {
  pass: () => Promise<T>;
  next: Deferred<T> | null;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

// Promise.withResolvers is not in Node 20.
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function noop(): void {}

/** `pass()`, with a synchronous throw turned into a rejection (by `async`), so a chain always reaches its end. */
async function started<T>(pass: () => Promise<T>): Promise<T> {
  return pass();
}
