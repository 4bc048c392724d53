/**
 * taskql processes as production runs them: `src/main.ts` (API) and `worker/main.ts` (worker) as
 * separate Node processes, started with a test's environment and awaited until their start-up
 * log line says they are serving.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startWatchdog, type Watchdog } from '../../scripts/watchdog.ts';

const rootUrl = new URL('../../', import.meta.url);
const root = fileURLToPath(rootUrl);

/** A started taskql process. */
export interface TaskqlProcess {
  child: ChildProcess;
  /** The port an API process listens on (0 for a worker). */
  port: number;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s; resolves when it has exited. */
  stop(): Promise<void>;
  /** The last lines it wrote to stdout and stderr, to show when a test fails. */
  tail(): string;
}

/**
 * Kills the processes this test process started should it die without stopping them (a test
 * runner killed by a timeout, say), so that no API or worker outlives its servers and retries them forever.
 */
let watchdog: Watchdog | undefined;

/** How many lines of a process's output are kept for error messages. */
const OUTPUT_TAIL_LINES = 200;

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  /**
   * Modules (paths from the repository root) loaded before the entry point with `node --import`,
   * e.g. to register task types only a test needs in both the API and the worker.
   */
  imports?: string[];
  /**
   * Run the built code (`dist/`, `npm run build:server`) with plain node, as the image does,
   * instead of the sources under tsx; `imports` must then be built modules too.
   */
  built?: boolean;
}

/**
 * Start an API (`api`) or worker (`worker`) process and wait until it serves. An API listens on a
 * free port unless `env.PORT` names one (to restart an API where its clients reconnect).
 */
export function startProcess(kind: 'api' | 'worker', env: Record<string, string>, options: StartProcessOptions = {}): Promise<TaskqlProcess> {
  const source = kind === 'api' ? 'src/main.ts' : 'worker/main.ts';
  const entry = options.built ? `dist/${source.replace(/\.ts$/, '.js')}` : source;
  const imports = [...(options.built ? [] : ['tsx']), ...(options.imports ?? []).map((path) => new URL(path, rootUrl).href)];
  const child = spawn(process.execPath, [...imports.flatMap((m) => ['--import', m]), entry], {
    cwd: root,
    env: { ...process.env, ...env, PORT: env['PORT'] ?? '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  if (pid !== undefined) {
    watchdog ??= startWatchdog();
    watchdog.guard(pid);
    void exited.then(() => watchdog?.release(pid));
  }
  // A tail only: a process of a long test logs for minutes.
  const output: string[] = [];
  const keep = (text: string) => {
    output.push(text);
    if (output.length > OUTPUT_TAIL_LINES) output.shift();
  };
  child.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString()));

  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before serving:\n${output.join('')}`)));
    lines.on('line', (line) => {
      keep(line);
      let entryLog: { msg?: string; port?: number };
      try {
        entryLog = JSON.parse(line) as typeof entryLog;
      } catch {
        return;
      }
      const ready = kind === 'api' ? entryLog.msg?.startsWith('taskql API listening') : entryLog.msg === 'taskql worker started';
      if (!ready) return;
      resolve({
        child,
        port: entryLog.port ?? 0,
        tail: () => output.map((text) => text.replace(/\n$/, '')).join('\n'),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            await exited;
            clearTimeout(timer);
          }
        },
      });
    });
  });
}

/**
 * Await processes started together: all of them, in the order given — or, when one fails to
 * start, stop those that did and reject with its error.
 */
export async function startTogether(starts: Promise<TaskqlProcess>[]): Promise<TaskqlProcess[]> {
  const started = await Promise.allSettled(starts);
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (!failed) return running;
  await Promise.all(running.map((p) => p.stop()));
  throw failed.reason;
}

/** What {@link runScript} saw: the exit code and everything written to stdout and stderr. */
export interface ScriptRun {
  code: number | null;
  out: string;
}

/** Run a TypeScript script of the repository (`scripts/watch.ts`) to its end, as a user would. */
export function runScript(path: string, args: string[], env: Record<string, string>): Promise<ScriptRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}
