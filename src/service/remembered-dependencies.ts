/**
 * What this process last found unfinished among a waiting task's dependencies: a hint that lets
 * the end of one dependency be told "another is still running" by one lookup of a remembered one,
 * instead of a question over the whole flow. In a fan-in of 1,000 whose last 50 dependencies end
 * one by one, one question lists them and each end then looks up one or two by id.
 *
 * A hint only ever holds a release back while a lookup, made then, shows a dependency unfinished
 * — which no change can make wrong — and once all remembered ones have ended the task is decided
 * afresh from MongoDB. So a hint that is stale, or lost with its process, costs a question, never
 * a decision. Held in memory because it is exactly that: per process, and cheap to lose.
 */
export class RememberedDependencies {
  readonly #unfinished = new Map<string, { ids: Set<string>; complete: boolean }>();
  readonly #capacity: number;

  /** @param capacity how many waiting tasks have dependencies remembered; the oldest hint goes first. */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /**
   * Remember `ids` as the unfinished dependencies of the waiting task `key` names, replacing what
   * was; `complete` when they were all of them, not the first of more.
   */
  remember(key: string, ids: readonly string[], complete: boolean): void {
    this.#unfinished.delete(key);
    this.#unfinished.set(key, { ids: new Set(ids), complete });
    if (this.#unfinished.size > this.#capacity) this.#unfinished.delete(this.#unfinished.keys().next().value!);
  }

  /** Forget what was remembered of `key`: it is decided, or about to be. */
  forget(key: string): void {
    this.#unfinished.delete(key);
  }

  /**
   * Whether a dependency remembered for `key` is still unfinished, `ended` (which just ended) set
   * aside: `isUnfinished` is asked of them in turn, and each one it finds ended is forgotten.
   * Undefined when nothing is remembered for `key`.
   */
  async anyUnfinished(key: string, ended: string, isUnfinished: (id: string) => Promise<boolean>): Promise<boolean | undefined> {
    const remembered = this.#unfinished.get(key);
    if (!remembered) return undefined;
    remembered.ids.delete(ended);
    for (const id of remembered.ids) {
      if (await isUnfinished(id)) return true;
      remembered.ids.delete(id);
    }
    return false;
  }

  /**
   * Whether all of `key`'s unfinished dependencies were remembered and have been seen to end: then
   * none is unfinished unless one was revived (`retryTask`) since, which a full decision sees.
   */
  allEnded(key: string): boolean {
    const remembered = this.#unfinished.get(key);
    return remembered !== undefined && remembered.complete && remembered.ids.size === 0;
  }
}
