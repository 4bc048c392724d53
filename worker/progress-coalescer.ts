/**
 * Coalesces a handler's progress reports so a chatty handler cannot flood MongoDB and Redis: at
 * most one write per interval, one write in flight at a time, and the latest report always
 * written in the end (`flush`). Reports in between are superseded, as the contract permits.
 */
import type { ProgressReport } from '../src/model/state-machine.ts';

export class ProgressCoalescer {
  readonly #intervalMs: number;
  readonly #write: (report: ProgressReport) => Promise<void>;
  #pending: ProgressReport | null = null;
  #inFlight: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastWriteAt = Number.NEGATIVE_INFINITY;

  /**
   * @param intervalMs least time between the starts of two writes
   * @param write records one report; its errors are the caller's to handle (it should not throw)
   */
  constructor(intervalMs: number, write: (report: ProgressReport) => Promise<void>) {
    this.#intervalMs = intervalMs;
    this.#write = write;
  }

  /** Take a report; it is written now, or later replaced by a newer one, or written by `flush`. */
  report(report: ProgressReport): void {
    this.#pending = report;
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
