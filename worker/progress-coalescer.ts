/**
 * Coalesces what a running handler reports (progress, metadata) so a chatty handler cannot flood
 * MongoDB and Redis: at most one write per interval, one write in flight at a time, and the latest
 * report always written in the end (`flush`). Reports in between are merged into the next write
 * (by default the newer replaces the older), as the contract permits for progress.
 */
import type { ProgressReport } from '../src/model/state-machine.ts';

export class ProgressCoalescer<T = ProgressReport> {
  readonly #intervalMs: number;
  readonly #write: (report: T) => Promise<void>;
  readonly #merge: (older: T, newer: T) => T;
  #pending: T | null = null;
  #inFlight: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastWriteAt = Number.NEGATIVE_INFINITY;

  /**
   * @param intervalMs least time between the starts of two writes
   * @param write records one report; its errors are the caller's to handle (it should not throw)
   * @param merge a report not yet written, with a newer one: what the next write carries
   */
  constructor(intervalMs: number, write: (report: T) => Promise<void>, merge: (older: T, newer: T) => T = (_older, newer) => newer) {
    this.#intervalMs = intervalMs;
    this.#write = write;
    this.#merge = merge;
  }

  /** Take a report; it is written now, or later merged with newer ones, or written by `flush`. */
  report(report: T): void {
    this.#pending = this.#pending === null ? report : this.#merge(this.#pending, report);
    this.#schedule();
  }

  /** Write the latest unwritten report, if any, and wait until every write has finished. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#inFlight;
    if (this.#pending) this.#startWrite();
    await this.#inFlight;
  }

  #schedule(): void {
    if (this.#timer || this.#inFlight) return;
    const wait = this.#lastWriteAt + this.#intervalMs - performance.now();
    if (wait <= 0) this.#startWrite();
    else this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#startWrite();
    }, wait);
  }

  #startWrite(): void {
    const report = this.#pending;
    if (!report) return;
    this.#pending = null;
    this.#lastWriteAt = performance.now();
    this.#inFlight = this.#write(report).finally(() => {
      this.#inFlight = null;
      if (this.#pending) this.#schedule();
    });
  }
}
