/**
 * Loaded with `--import` into the servers whose memory the benchmark compares (the taskql API and
 * the raw ws server): on SIGUSR2 the process collects all its garbage, so that the resident
 * memory read next is what it holds, not what it has yet to collect — a server that has just
 * delivered more would otherwise look larger. The in-process inspector does it without
 * `--expose-gc`, and synchronously, within the signal's handler.
 */
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
process.on('SIGUSR2', () => {
  session.post('HeapProfiler.collectGarbage');
});
