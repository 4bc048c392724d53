/**
 * `npm run bench [-- --quick] [-- --only=enqueue,worker] [-- --profile] [-- --servers=ferretdb]`:
 * taskql measured side by side with the raw libraries under it, on the same servers in the same
 * run (see docs/performance.md), on mongo-java-server and then FerretDB unless told otherwise. Prints a markdown table and writes the results as JSON: a full run to
 * `bench/results/<date>.json`, a quick run (CI: seconds, tiny sizes) to `bench/results/quick/`.
 * It builds what it runs first (`tsconfig.bench.json`): taskql and the baselines run compiled.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { mongoServerFromEnv, startLocalServers, type LocalMongoServer } from '../scripts/local-servers.ts';
import { endToEnd } from './end-to-end.ts';
import { enqueue } from './enqueue.ts';
import { fanOut } from './fan-out.ts';
import { flowControl } from './flow-control.ts';
import { flows } from './flows.ts';
import { BenchContext } from './lib/context.ts';
import { machineInfo, markdownTable, type Row } from './lib/report.ts';
import type { Scenario, ScenarioResult } from './lib/scenario.ts';
import { notification } from './notification.ts';
import { outputStream } from './output-stream.ts';
import { scaling } from './scaling.ts';
import { worker } from './worker.ts';

const SCENARIOS: Scenario[] = [enqueue, worker, notification, fanOut, endToEnd, flowControl, outputStream, scaling, flows];

const METHOD = [
  'Every scenario runs its baseline(s) and taskql in alternation (A B A B …): one warm-up round, then the rounds whose medians are reported.',
  'The load generator is the runner process and its forked children; taskql API and worker processes run as production runs them (the build, `node dist/src/main.js` and `node dist/worker/main.js`), never in the load generator. The forked children (baseline servers and workers, subscribers) run built as well.',
  'Baselines use the same servers, the same documents (taskql\'s `createTask` + `encodeTask`) and the same BullMQ queue names and job options (`bullQueueName`, `jobOptions`).',
  'Latency runs on one clock: a driver in the runner records a PROGRESS change the way a worker does (version-guarded write, then publish) and notes the time the write was acknowledged; the runner\'s own graphql-ws client times the arrival. Raw Redis and raw ws baselines publish/send and receive within the runner too.',
  'Fan-out subscribers live in forked processes (≤ 5,000 sockets each) and report when an event reached all of them; times there are `performance.timeOrigin + performance.now()` wall time, which agrees across processes of one machine.',
  'RSS per connection is the growth of the server process\'s resident memory from before connecting to after all subscriptions are live, divided by their number; each reading follows a full garbage collection in that process (through its inspector), so garbage from delivering while subscribers connect is not counted as what the connections hold. Heap + buffers per connection is the same growth of V8\'s heap and of memory outside it (`heapUsed + external`), read at the same moments: steadier than resident memory, which freed pages blur from run to run.',
  'Each scenario has its own MongoDB database and Redis prefix, dropped afterwards.',
  'Scaling compares taskql with itself: each row is N processes against one process doing the same work, so its ratio is the scaling factor; it runs on mongo-java-server only. All processes share the machine\'s cores with the load generator, so the factor is bounded by the cores, not only by taskql.',
];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    servers: { type: 'string' },
  },
});
const only = values.only?.split(',');
const chosen = SCENARIOS.filter((s) => !only || only.includes(s.name));
const results = fileURLToPath(new URL('results/', import.meta.url));
const date = new Date().toISOString().replace(/:/g, '-').replace(/\..*/, '');
const profileDir = values.profile ? `${results}profiles/${date}` : undefined;
if (profileDir) await mkdir(profileDir, { recursive: true });

const log = (line: string) => console.error(`[bench] ${line}`);
log('building dist/ (tsc -p tsconfig.bench.json)');
await build();

/**
 * The MongoDB-compatible servers to measure on, one table each: MONGO_URL's alone when set, else
 * TASKQL_TEST_MONGO's or `--servers`, else the fast, atomic mongo-java-server first (the store no
 * longer bounds the rows, so they show taskql's own cost) and FerretDB second.
 */
const kinds: (LocalMongoServer | undefined)[] = process.env['MONGO_URL']
  ? [undefined]
  : values.servers
    ? values.servers.split(',').map((name) => mongoServerFromEnv({ TASKQL_TEST_MONGO: name }))
    : [mongoServerFromEnv(process.env) ?? 'mongo-java-server', ...(mongoServerFromEnv(process.env) ? [] : (['ferretdb'] as const))];
let failed = false;
const runs: unknown[] = [];
const dir = values.quick ? `${results}quick/` : results;
console.log(`## taskql benchmark${values.quick ? ' (quick mode: tiny sizes, numbers not meaningful)' : ''}, ${new Date().toISOString()}`);
for (const kind of kinds) {
  const servers = await startLocalServers({ log, ...(kind && { mongoServer: kind }) });
  const ctx = await BenchContext.open({ quick: values.quick, profileDir, ...(kind && { mongoServer: kind }) }, servers);
  const interrupted = () => {
    log('interrupted: stopping processes and servers');
    void ctx.close().finally(() => servers.stop().finally(() => process.exit(130)));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const machine = await machineInfo(ctx.mongo, servers.redisUrl);
    const outcomes: Record<string, ScenarioResult | { error: string }> = {};
    const rows: Row[] = [];
    for (const scenario of chosen) {
      const started = Date.now();
      log(`${scenario.name}: running on ${kind ?? 'MONGO_URL'}`);
      try {
        const result = await scenario.run(ctx);
        outcomes[scenario.name] = result;
        rows.push(...result.rows);
        log(`${scenario.name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        failed = true;
        outcomes[scenario.name] = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
        log(`${scenario.name}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        await ctx.release();
      }
    }

    const serversLine = `${machine.mongo}, ${machine.redis} — ${servers.describe}`;
    console.log(`\n### On ${kind ?? 'MONGO_URL'}\n`);
    console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}.`);
    console.log(`Servers: ${serversLine}.`);
    if (machine.ferretdb) {
      console.log('Note: FerretDB (on SQLite) is far slower than MongoDB; every number that writes to it (enqueue, worker, end to end) is bound by it, baselines included.');
    }
    console.log(`\n${markdownTable(rows)}`);
    runs.push({ server: kind ?? 'MONGO_URL', machine, servers: serversLine, rows, scenarios: outcomes });
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await ctx.close();
    await servers.stop();
  }
}
console.log(`\nMethod:\n${METHOD.map((line) => `- ${line}`).join('\n')}`);
await mkdir(dir, { recursive: true });
const file = `${dir}${date}.json`;
await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), quick: values.quick, method: METHOD, runs }, null, 2)}\n`);
log(`results written to ${file}`);
process.exitCode = failed ? 1 : 0;

/** Compiles what the run measures; a type error stops the run before anything is measured. */
async function build(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', fileURLToPath(new URL('../tsconfig.bench.json', import.meta.url))]);
  } catch (error) {
    throw new Error(`the build failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
  }
}
