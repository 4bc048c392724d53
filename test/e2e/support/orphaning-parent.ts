/**
 * A stand-in for a test process that dies without cleaning up, for `orphans.test.ts`: it starts
 * a worker through `startProcess` with the environment given as JSON in TASKQL_ORPHAN_ENV, prints
 * the worker's pid, and waits to be killed.
 */
import { startProcess } from '../../support/processes.ts';

const env = JSON.parse(process.env['TASKQL_ORPHAN_ENV'] ?? '{}') as Record<string, string>;
const worker = await startProcess('worker', env);
console.log(`worker ${worker.child.pid}`);
setInterval(() => {}, 60_000);
