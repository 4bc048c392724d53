/**
 * What one fault test starts — taskql processes, clients, servers of its own — tracked so that
 * `close` stops every one of them whatever happened; plus the test's log lines and bounded waits
 * that fail with a message saying what was awaited. When a test fails, the log tail of every
 * process the fleet started (killed ones too) is printed: the cause of a failure seen by a client
 * is usually in a server's log.
 */
import { beforeEach, inject } from 'vitest';
import { startLocalServers } from '../../../scripts/local-servers.ts';
import { TestClient, type TestClientOptions } from '../../support/graphql-client.ts';
import { startProcess, type StartProcessOptions, type TaskqlProcess } from '../../support/processes.ts';
import { within } from '../../support/wait.ts';

export class Fleet {
  readonly #name: string;
  readonly #processes = new Set<TaskqlProcess>();
  /** Every process started, exited or not, with its kind: whose log tails a failure shows. */
  readonly #started: { kind: 'api' | 'worker'; process: TaskqlProcess }[] = [];
  readonly #clients = new Set<TestClient>();
  readonly #cleanups: (() => Promise<unknown>)[] = [];

  /** A fleet for the tests of one file; create it at the top of the file (it registers a `beforeEach`). */
  constructor(name: string) {
    this.#name = name;
    beforeEach(({ onTestFailed }) => onTestFailed(() => this.#printTails()));
  }

  /** Print a line saying what the test did or checked. */
  log(message: string): void {
    console.log(`[fault ${this.#name}] ${message}`);
  }

  /** Start a taskql process, stopped by `close` unless it has exited by then. */
  async start(kind: 'api' | 'worker', env: Record<string, string>, options?: StartProcessOptions): Promise<TaskqlProcess> {
    const started = await startProcess(kind, env, options);
    this.#processes.add(started);
    this.#started.push({ kind, process: started });
    started.child.once('exit', () => this.#processes.delete(started));
    return started;
  }

  /** SIGKILL a process and resolve once it has exited. */
  async kill(target: TaskqlProcess): Promise<void> {
    const exited = new Promise((resolve) => target.child.once('exit', resolve));
    if (target.child.exitCode === null && target.child.signalCode === null) {
      target.child.kill('SIGKILL');
      await exited;
    }
  }

  /** A client of an API process, closed by `close`; resolves once its WebSocket is acknowledged. */
  async client(port: number, options?: TestClientOptions): Promise<TestClient> {
    const client = new TestClient(port, null, options);
    this.#clients.add(client);
    await within(`a WebSocket to port ${port} is acknowledged`, 10_000, client.connected);
    return client;
  }

  /**
   * A redis-server of the test's own (with its append-only file, as production runs it, so it can
   * be halted and resumed with its data) beside the suite's MongoDB; stopped by `close`.
   */
  async restartableRedis() {
    const servers = await startLocalServers({ env: { MONGO_URL: inject('mongoUrl') }, persistRedis: true });
    this.onClose(() => servers.stop());
    const redis = servers.redis;
    if (!redis) throw new Error('the fault suite needs a redis-server it starts itself');
    return { redis, redisUrl: servers.redisUrl };
  }

  /** Something else to undo at `close` (after clients and processes), e.g. stopping servers. */
  onClose(cleanup: () => Promise<unknown>): void {
    this.#cleanups.push(cleanup);
  }

  #printTails(): void {
    for (const { kind, process } of this.#started) {
      const { pid, exitCode, signalCode } = process.child;
      const exited = exitCode === null && signalCode === null ? 'running' : `exited (${signalCode ?? exitCode})`;
      console.log(`[fault ${this.#name}] log tail of ${kind} pid ${pid}, ${exited}:\n${process.tail()}`);
    }
  }

  /** Close the clients, stop the processes, then run the cleanups, latest first. */
  async close(): Promise<void> {
    await Promise.all([...this.#clients].map((c) => c.close().catch(() => {})));
    await Promise.all([...this.#processes].map((p) => p.stop()));
    for (const cleanup of this.#cleanups.reverse()) await cleanup().catch(() => {});
  }
}

/** The process whose pid a worker id (`host:pid:suffix`) names. */
export function processOf(workerId: string, processes: TaskqlProcess[]): TaskqlProcess | undefined {
  return processes.find((p) => p.child.pid !== undefined && workerId.includes(`:${p.child.pid}:`));
}

/** Percentile `p` (0–100) of `values`, in their unit; NaN when empty. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
