/**
 * A guard for child processes that must not outlive the process that started them, however it
 * ends — even SIGKILL, or a test runner killed by a timeout. Node has no "kill my children when I
 * die" (Linux's PR_SET_PDEATHSIG is not exposed), so a small detached process holds a pipe from
 * this one and, when the pipe closes, SIGKILLs every process still guarded and removes the
 * directories it was given.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';

/** What the watchdog of {@link startWatchdog} is told. */
export interface Watchdog {
  /** SIGKILL process `pid` should this process die first. */
  guard(pid: number): void;
  /** Stop guarding `pid`, which has exited (its number may be given to another process). */
  release(pid: number): void;
  /** Remove `dir` once the guarded processes are dead, should this process die first. */
  removeOnExit(dir: string): void;
  /** End the watchdog without it killing or removing anything: everything was stopped in order. */
  dismiss(): void;
}

// Runs in the detached process. Lines it reads: `pid <n>`, `release <n>`, `dir <path>`.
const SCRIPT = `
  const { rmSync } = require('node:fs');
  const pids = new Set();
  const dirs = [];
  let rest = '';
  process.stdin.setEncoding('utf8').on('data', (chunk) => {
    const lines = (rest + chunk).split('\\n');
    rest = lines.pop();
    for (const line of lines) {
      const [word, ...tail] = line.split(' ');
      const value = tail.join(' ');
      if (word === 'pid') pids.add(Number(value));
      else if (word === 'release') pids.delete(Number(value));
      else if (word === 'dir') dirs.push(value);
    }
  });
  process.stdin.on('end', () => {
    for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch {}
    const alive = () => [...pids].some((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } });
    const deadline = Date.now() + 2000;
    const clean = () => {
      if (alive() && Date.now() < deadline) return void setTimeout(clean, 50);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    };
    clean();
  });
`;

/**
 * Start a watchdog. It neither keeps this process alive nor fails it: should it not start or die
 * early, the children are merely unguarded.
 */
export function startWatchdog(): Watchdog {
  // Detached (its own process group), so a terminal's Ctrl-C does not end it before it has cleaned up.
  const child = spawn(process.execPath, ['-e', SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  child.on('error', () => {});
  child.stdin.on('error', () => {});
  child.unref();
  (child.stdin as unknown as Socket).unref();
  const tell = (line: string) => {
    if (child.stdin.writable) child.stdin.write(`${line}\n`);
  };
  return {
    guard: (pid) => tell(`pid ${pid}`),
    release: (pid) => tell(`release ${pid}`),
    removeOnExit: (dir) => tell(`dir ${dir}`),
    dismiss: () => child.kill('SIGKILL'),
  };
}
