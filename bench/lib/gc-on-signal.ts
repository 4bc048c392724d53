/**
 * Loaded with `--import` into the servers whose memory the benchmark compares (the taskql API and
 * the raw ws server): on SIGUSR2 the process collects all its garbage, so that the memory read
 * next is what it holds, not what it has yet to collect — a server that has just delivered more
 * would otherwise look larger. The in-process inspector does it without `--expose-gc`, and
 * synchronously, within the signal's handler. Then it writes what V8 says it holds
 * (`process.memoryUsage()`) to {@link memoryReportOf}, which resident memory alone would blur:
 * freed heap pages stay resident for a while, and are reused before new ones are taken.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { memoryReportOf } from './memory-report.ts';

const session = new Session();
session.connect();
process.on('SIGUSR2', () => {
  session.post('HeapProfiler.collectGarbage', () => {
    writeFileSync(memoryReportOf(process.pid), JSON.stringify(process.memoryUsage()));
  });
});
